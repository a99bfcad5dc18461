// `npm run kb:export-taught` on a copy of the knowledge folder: the taught examples land in the right
// entries' lists, the files keep their comments and layout, kb:check passes, and the database keeps
// only the record that they were exported (the texts leave it). A second run exports nothing.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTaughtExamples } from '../../src/knowledge/export-taught.ts';
import { openStore } from '../../src/store/store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUILD = '100000000000000001';
const COMMENT = '# moderators: keep the error strings verbatim';

// Written for this test (not from any evaluation set).
const TAUGHT_EXAMPLE = 'openrouter says too many requests again on the free model, do i just wait it out?';
const TAUGHT_NEGATIVE = 'thanks all, the 401 went away after i clicked connect again';
const TAUGHT_MULTILINE = 'got this when sending:\n429 Too Many Requests\nis openrouter down';

let work: string;
let knowledgeDir: string;
let database: string;

function run(script: string, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      KNOWLEDGE_DIR: knowledgeDir,
      DATABASE_PATH: database,
      TRAINING_CORPUS: path.join(ROOT, 'eval/train.jsonl'),
      DOTENV_CONFIG_PATH: path.join(work, 'no-such.env'),
    },
    timeout: 60_000,
  });
}

const file = (id: string) => readFileSync(path.join(knowledgeDir, `${id}.md`), 'utf8');
/** The routing problems kb:check lists: which example of which entry (scores shift with training). */
const routingProblems = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.split(' → ')[0] ?? line);
let problemsBefore: string[];

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'export-taught-'));
  knowledgeDir = path.join(work, 'knowledge');
  database = path.join(work, 'bot.sqlite');
  cpSync(path.join(ROOT, 'knowledge'), knowledgeDir, { recursive: true });
  // A comment in the frontmatter, where a naive YAML rewrite would lose it.
  const rateLimit = file('error-429-rate-limit').replace('examples:\n', `${COMMENT}\nexamples:\n`);
  writeFileSync(path.join(knowledgeDir, 'error-429-rate-limit.md'), rateLimit);

  const store = openStore(database);
  const teach = (kind: 'example' | 'negative', entry: string, text: string) =>
    store.taught.teach({ guildId: GUILD, kind, entry, text, moderatorId: '300000000000000003' });
  teach('example', 'error-429-rate-limit', TAUGHT_EXAMPLE);
  teach('example', 'error-429-rate-limit', TAUGHT_MULTILINE);
  teach('negative', 'error-401-unauthorized', TAUGHT_NEGATIVE);
  store.close();
  // Whatever kb:check already reports about the shipped folder is not the export's doing.
  const check = run('src/cli/kb-check.ts', [knowledgeDir]);
  problemsBefore = routingProblems(check.stdout + check.stderr);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run kb:export-taught', () => {
  let before429: string;
  let exportRun: ReturnType<typeof run>;
  beforeAll(() => {
    before429 = file('error-429-rate-limit');
    exportRun = run('src/cli/kb-export-taught.ts');
  });

  it('writes each taught example into its entry and prints what changed', () => {
    expect(routingProblems(exportRun.stderr)).toEqual(problemsBefore);
    expect(exportRun.stdout).toContain(`+ examples: ${JSON.stringify(TAUGHT_EXAMPLE)}`);
    expect(exportRun.stdout).toContain(`+ negative_examples: ${JSON.stringify(TAUGHT_NEGATIVE)}`);
    expect(exportRun.stdout).toMatch(
      new RegExp(
        `Exported 3 taught example\\(s\\) into 2 file\\(s\\); routing check: ${problemsBefore.length} problem`,
      ),
    );
  });

  it('keeps the comments and every line that was there, adding only the new examples', () => {
    const after = file('error-429-rate-limit');
    expect(after).toContain(COMMENT);
    const added = after.split('\n').filter((line) => !before429.split('\n').includes(line));
    expect(added.join('\n')).toContain(TAUGHT_EXAMPLE);
    // Everything that was there is still there, in the same order.
    const kept = after.split('\n').filter((line) => !added.includes(line));
    expect(kept).toEqual(before429.split('\n'));
  });

  it('leaves kb:check with no problem the folder did not already have', () => {
    const check = run('src/cli/kb-check.ts', [knowledgeDir]);
    const output = check.stdout + check.stderr;
    expect(output).toMatch(/36 entries, \d+ examples/);
    expect(routingProblems(output)).toEqual(problemsBefore);
    for (const text of [TAUGHT_EXAMPLE, TAUGHT_NEGATIVE]) expect(output).not.toContain(text);
    expect(check.status).toBe(problemsBefore.length ? 1 : 0);
  });

  it('marks them exported and removes their text from the database', () => {
    const store = openStore(database);
    const rows = store.taught.list(GUILD);
    store.close();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.exportedAt).not.toBeNull();
      expect(row.text).toBeNull();
    }
  });

  it('exports nothing twice', () => {
    const snapshot = file('error-429-rate-limit');
    const again = run('src/cli/kb-export-taught.ts');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('Nothing to export');
    expect(file('error-429-rate-limit')).toBe(snapshot);
  });
});

describe('exporting (the function)', () => {
  it('skips an example whose entry has no file, and adds no duplicate of a text already listed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'export-fn-'));
    try {
      cpSync(path.join(ROOT, 'knowledge/error-429-rate-limit.md'), path.join(dir, 'error-429-rate-limit.md'));
      const result = exportTaughtExamples(dir, [
        { id: 1, kind: 'example', entry: 'gone-entry', text: 'anything' },
        {
          id: 2,
          kind: 'example',
          entry: 'error-429-rate-limit',
          text: '429 too many requests on openrouter',
        },
      ]);
      expect(result.skipped).toEqual([
        { id: 1, entry: 'gone-entry', reason: expect.stringContaining('no file') },
      ]);
      expect(result.changes).toEqual([expect.objectContaining({ id: 2, added: false })]);
      expect(readFileSync(path.join(dir, 'error-429-rate-limit.md'), 'utf8')).toBe(
        readFileSync(path.join(ROOT, 'knowledge/error-429-rate-limit.md'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
