// The bot's modules form layers, each using only the ones below it, so that the pure core can be
// tested, run in the console and evaluated without Discord, and a change in the edge never reaches
// down. This test reads every import under src/ and commands/ and fails on an arrow pointing up.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Lowest first. A module may import its own layer and the layers before it. Keys are the folder
 * (or file) right under src/; commands/ sits with discord. safety is pure and the logger uses it to
 * redact keys, so it sits with the foundations. report formats what the store counts; llm and eval
 * read the pipeline's types and run it.
 */
const LAYERS: string[][] = [
  ['config', 'logger', 'safety', 'bounded-cache'],
  ['classifier', 'knowledge'],
  ['store', 'report'],
  ['attachments'],
  ['conversation', 'pipeline', 'llm'],
  ['discord', 'commands', 'cli', 'eval'],
];

/**
 * Upward arrows tolerated for now: none. An arrow added here must say why; an entry that no longer
 * exists fails the test, so the list can only shrink.
 */
const KNOWN_UPWARD_ARROWS: string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(?:ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

interface Arrow {
  from: string;
  /** Repository-relative path for a relative import, else the bare specifier (a package). */
  to: string;
}

/** Every static, type-only, re-export and literal dynamic import, parsed by TypeScript itself. */
function importsOf(file: string): Arrow[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => ({
    from: file,
    to: fileName.startsWith('.')
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName))
      : fileName,
  }));
}

/** The layer key of a repository path: the folder or file right under src/, or `commands`. */
function layerKey(file: string): string {
  const [top, second = ''] = file.split('/');
  if (top === 'src') return second.replace(/\.[^.]+$/, '');
  return top ?? file;
}

function layerOf(file: string): number {
  return LAYERS.findIndex((layer) => layer.includes(layerKey(file)));
}

const files = [...sourceFiles('src'), ...sourceFiles('commands')];
const arrows = files.flatMap(importsOf);
const local = arrows.filter((arrow) => arrow.to.startsWith('src/') || arrow.to.startsWith('commands/'));
const show = (arrow: Arrow) => `${arrow.from} -> ${arrow.to}`;

describe('layers', () => {
  it('finds the imports it checks (a parser that saw nothing would pass anything)', () => {
    expect(files).toContain('src/pipeline/pipeline.ts');
    expect(local).toContainEqual({ from: 'src/cli/start.ts', to: 'src/config.ts' });
    expect(local.length).toBeGreaterThan(50);
  });

  it('places every module of src/ and commands/ in a layer', () => {
    const unplaced = files.filter((file) => layerOf(file) < 0);
    expect(unplaced, 'add their folder to LAYERS in test/architecture/layers.test.ts').toEqual([]);
  });

  it('has no arrow from a lower layer to a higher one', () => {
    const upward = local.filter((arrow) => layerOf(arrow.to) > layerOf(arrow.from)).map(show);
    expect(upward.filter((arrow) => !KNOWN_UPWARD_ARROWS.includes(arrow))).toEqual([]);
  });

  it('lists in the allow-list only upward arrows that still exist', () => {
    const upward = new Set(local.filter((arrow) => layerOf(arrow.to) > layerOf(arrow.from)).map(show));
    expect(KNOWN_UPWARD_ARROWS.filter((arrow) => !upward.has(arrow))).toEqual([]);
  });

  it('never imports dev tooling or test code into the bot', () => {
    const intoDevCode = arrows.filter((arrow) => /^(?:tools|test)\//.test(arrow.to)).map(show);
    expect(intoDevCode).toEqual([]);
  });

  it('imports only runtime dependencies, never devDependencies', () => {
    // npm ci --omit=dev must leave a bot that starts.
    const { dependencies } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const packageOf = (specifier: string) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/');
    const undeclared = arrows
      .filter((arrow) => !arrow.to.startsWith('.') && !/^(?:src|commands|tools|test)\//.test(arrow.to))
      .filter((arrow) => !arrow.to.startsWith('node:') && !(packageOf(arrow.to) in dependencies))
      .map(show);
    expect(undeclared).toEqual([]);
  });
});
