import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { KnowledgeBase } from '../../src/knowledge/entry.ts';
import { DEFAULT_FOOTER, loadKnowledge, splitFrontmatter } from '../../src/knowledge/load.ts';
import {
  DISCORD_MESSAGE_LIMIT,
  defuseMentions,
  renderAnswer,
  renderFollowUp,
} from '../../src/knowledge/render.ts';
import { entryMarkdown, syntheticEntries } from '../../tools/bench/synthetic.ts';

const VALID = readFileSync(
  fileURLToPath(new URL('../fixtures/knowledge/key-not-saved.md', import.meta.url)),
  'utf8',
);
const REAL_KNOWLEDGE = fileURLToPath(new URL('../../knowledge', import.meta.url));

const dirs: string[] = [];

/** A temp knowledge folder holding exactly these files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'knowledge-test-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The valid fixture with one frontmatter line replaced (or removed with ''). */
function withLine(pattern: RegExp, replacement: string): string {
  const changed = VALID.replace(pattern, replacement);
  if (changed === VALID) throw new Error(`fixture has no line matching ${pattern}`);
  return changed;
}

/**
 * Loads a folder holding the broken file beside a valid one (so "no enabled entries" does not
 * add noise) and returns the problems that name the broken file.
 */
function problemsOfFile(name: string, source: string): { loaded: boolean; problems: string[] } {
  const result = loadKnowledge(folder({ 'other-entry.md': VALID, [name]: source }));
  expect(result.problems.filter((p) => !p.startsWith(`${name}: `))).toEqual([]);
  return { loaded: result.kb !== undefined, problems: result.problems };
}

function loadedKb(dir: string): KnowledgeBase {
  const result = loadKnowledge(dir);
  if (!result.kb) throw new Error(`expected the folder to load, got: ${result.problems.join('; ')}`);
  return result.kb;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadKnowledge on fixture folders', () => {
  it('loads a valid entry with its id, fields, sections and compiled patterns', () => {
    // A moderator's correct file becomes an answer the bot can give.
    const result = loadKnowledge(folder({ 'key-not-saved.md': VALID }));
    expect(result.problems).toEqual([]);
    const entry = result.kb!.byId.get('key-not-saved')!;
    expect(entry.title).toBe('The API key was pasted but never saved');
    expect(entry.examples).toHaveLength(8);
    expect(entry.keywords).toEqual(['missing key']);
    expect(entry.patterns[0]!.test('my KEY is not saved')).toBe(true);
    expect(entry.links).toEqual([{ title: 'Example docs', url: 'https://docs.example.org/api-keys' }]);
    expect(entry.lastVerified).toBe('2026-01-15');
    expect(entry.enabled).toBe(true);
    expect(entry.answer).toMatch(/^Hi \{\{asker\}\}, paste the key/);
    expect(entry.sections.why).toBe('The key is stored only when you click Connect.');
    expect(entry.sections.fix).toMatch(/^1\. Paste the key\./);
    expect(result.kb!.footer).toBe(DEFAULT_FOOTER);
  });

  it('names the file and the key of an unknown frontmatter key', () => {
    // A typo like "exmaples" is reported instead of silently ignored.
    const result = problemsOfFile('key-not-saved.md', withLine(/^last_verified:/m, 'exmaples: []\n$&'));
    expect(result.loaded).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^key-not-saved\.md: .*exmaples/);
  });

  it('names the file and the field that is missing', () => {
    // Deleting follow_up by accident tells the moderator exactly what to add back.
    const result = problemsOfFile('key-not-saved.md', withLine(/^follow_up: .*\n/m, ''));
    expect(result.loaded).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^key-not-saved\.md: follow_up: /)]);
  });

  it('names the file and the pattern field of an invalid regular expression', () => {
    // A broken regex in patterns is caught at load time, not when a message arrives.
    const result = problemsOfFile('key-not-saved.md', withLine(/^ {2}- '\\bkey .*$/m, "  - '(unclosed'"));
    expect(result.loaded).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(/^key-not-saved\.md: patterns\.0: not a valid regular expression/),
    ]);
  });

  it('names the file of a frontmatter that is not valid YAML', () => {
    // A stray bracket points the moderator at the broken file.
    const result = problemsOfFile('key-not-saved.md', withLine(/^title: .*$/m, 'title: [unclosed'));
    expect(result.loaded).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) expect(problem).toMatch(/^key-not-saved\.md: line \d+: YAML: /);
  });

  it("gives a YAML error the line number of the file, where the moderator's editor shows it", () => {
    // The summary is line 3 of the file (line 2 of the frontmatter, after the opening ---).
    const source = withLine(/^summary: .*$/m, 'summary: Error: the key is missing');
    expect(source.split('\n')[2]).toBe('summary: Error: the key is missing');
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.problems).toEqual([
      expect.stringMatching(/^key-not-saved\.md: line 3: YAML: Nested mappings/),
    ]);
  });

  it('tells the moderator to quote a value that contains a colon', () => {
    // "Nested mappings are not allowed" alone does not say what to do.
    const result = problemsOfFile(
      'key-not-saved.md',
      withLine(/^summary: .*$/m, 'summary: Error: key missing'),
    );
    expect(result.problems[0]).toContain('Hint: quote this value');
  });

  it('tells the moderator to quote a list item that YAML read as a key and value', () => {
    // "- error: 401" is valid YAML but a mapping, not the example text the moderator meant.
    const result = problemsOfFile(
      'key-not-saved.md',
      withLine(/^ {2}- pasted my key but it still says missing key$/m, '  - error: 401 unauthorized'),
    );
    expect(result.problems).toEqual([
      expect.stringMatching(/^key-not-saved\.md: examples\.0: .*Hint: quote this value/),
    ]);
  });

  it('tells the moderator to quote a value that starts with a reserved character', () => {
    // A keyword pasted with a leading backtick or @ breaks the YAML.
    const result = problemsOfFile('key-not-saved.md', withLine(/^ {2}- missing key$/m, '  - `missing key`'));
    expect(result.problems).toEqual([
      expect.stringMatching(/^key-not-saved\.md: line 14: YAML: .*Hint: quote this value/),
    ]);
  });

  it('requires verified_against next to last_verified', () => {
    // Without it kb:stale cannot tell which SillyTavern version the answer describes.
    const source = VALID.replace(/^verified_against:\n(?: {2}.*\n)+/m, '');
    expect(source).not.toContain('verified_against');
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.problems).toEqual([expect.stringMatching(/^key-not-saved\.md: verified_against: /)]);
  });

  it('loads verified_against in block style with a quoted version and docs month', () => {
    // The shape moderators copy from the README.
    const source = withLine(
      /^ {2}sillytavern: .*$/m,
      "  sillytavern: '1.18.0'\n  openrouter_docs: '2026-08'",
    );
    const kb = loadedKb(folder({ 'key-not-saved.md': source }));
    expect(kb.entries[0]!.verifiedAgainst).toEqual({ sillytavern: '1.18.0', openrouter_docs: '2026-08' });
  });

  it('asks for quotes when the SillyTavern version is written as a bare number', () => {
    // YAML reads 1.18 as the number 1.18, which cannot be compared as a version.
    const result = problemsOfFile(
      'key-not-saved.md',
      withLine(/^ {2}sillytavern: .*$/m, '  sillytavern: 1.18'),
    );
    expect(result.problems).toEqual([
      expect.stringMatching(/verified_against\.sillytavern: must be text in quotes, e.g. '1\.18\.0'/),
    ]);
  });

  it('refuses an unknown source under verified_against', () => {
    // A misspelt "silytavern" would otherwise never be compared.
    const result = problemsOfFile(
      'key-not-saved.md',
      withLine(/^ {2}sillytavern: .*$/m, "  silytavern: '1.18.0'"),
    );
    expect(result.loaded).toBe(false);
    expect(result.problems.join('\n')).toContain('silytavern');
  });

  it('reports a file without frontmatter', () => {
    // A plain markdown note dropped into the folder is flagged, not half-loaded.
    const result = problemsOfFile('notes.md', '# just some notes\n');
    expect(result.loaded).toBe(false);
    expect(result.problems).toContainEqual(expect.stringMatching(/^notes\.md: .*frontmatter/));
  });

  it('reports a missing ## Why section', () => {
    // "why does this happen?" would have nothing to answer with.
    const source = VALID.replace(/## Why\n[^\n]*\n\n/, '');
    expect(source).not.toContain('## Why');
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.loaded).toBe(false);
    expect(result.problems).toEqual(["key-not-saved.md: body: missing or empty '## Why' section"]);
  });

  it('reports a missing ## Fix section', () => {
    // "how do I fix it?" would have nothing to answer with.
    const source = VALID.replace(/\n## Fix\n[\s\S]*$/, '\n');
    expect(source).not.toContain('## Fix');
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.loaded).toBe(false);
    expect(result.problems).toEqual(["key-not-saved.md: body: missing or empty '## Fix' section"]);
  });

  it('reports an answer whose rendered reply would exceed 2000 characters', () => {
    // The moderator is told the answer is too long instead of the bot posting a cut-off reply.
    const longAnswer = `${'Paste the key and click Connect. '.repeat(70)}`;
    const source = VALID.replace(/^Hi \{\{asker\}\}.*$/m, longAnswer);
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.problems).toContainEqual(expect.stringMatching(/^key-not-saved\.md: .*answer.*2000/));
    expect(result.loaded).toBe(false);
  });

  it('reports a ## Why section whose rendered reply would exceed 2000 characters', () => {
    // A follow-up "why?" would otherwise be posted cut off mid-sentence.
    const source = VALID.replace(/^The key is stored only.*$/m, 'Because. '.repeat(250));
    const result = problemsOfFile('key-not-saved.md', source);
    expect(result.problems).toContainEqual(expect.stringMatching(/^key-not-saved\.md: .*why.*2000/));
    expect(result.loaded).toBe(false);
  });

  it('lists every problem of every broken file at once', () => {
    // One kb:check run shows the moderator everything to fix, not just the first mistake.
    const result = loadKnowledge(
      folder({
        'good-one.md': VALID,
        'bad-key.md': withLine(/^title: /m, 'titel: x\ntitle: '),
        'bad-yaml.md': withLine(/^summary: .*$/m, 'summary: "unterminated'),
        'no-fix.md': VALID.replace(/\n## Fix\n[\s\S]*$/, '\n'),
        'bad-regex.md': withLine(/^ {2}- 'key saved'$/m, "  - '[a-'"),
      }),
    );
    expect(result.kb).toBeUndefined();
    for (const name of ['bad-key.md', 'bad-yaml.md', 'no-fix.md', 'bad-regex.md']) {
      expect(
        result.problems.some((p) => p.startsWith(`${name}: `)),
        name,
      ).toBe(true);
    }
    expect(result.problems.some((p) => p.startsWith('good-one.md'))).toBe(false);
  });

  it('reports a file name that is not lowercase words joined by dashes', () => {
    // The file name is the intent id, so "Key_Not_Saved.md" is refused.
    const result = loadKnowledge(folder({ 'Key_Not_Saved.md': VALID }));
    expect(result.problems).toContainEqual(expect.stringMatching(/^Key_Not_Saved\.md: file name/));
  });

  it('uses _footer.md instead of the built-in footer', () => {
    // A server can word the "automated response" line its own way.
    const kb = loadedKb(
      folder({ 'key-not-saved.md': VALID, '_footer.md': '-# Bot reply. Type !mute to opt out.\n' }),
    );
    expect(kb.footer).toBe('-# Bot reply. Type !mute to opt out.');
    expect(renderAnswer(kb.entries[0]!, kb.footer).endsWith('-# Bot reply. Type !mute to opt out.')).toBe(
      true,
    );
    expect(kb.entries.map((e) => e.id)).toEqual(['key-not-saved']);
  });

  it('reads the SillyTavern versions in use from _versions.md', () => {
    // kb:stale and /kb status compare each entry's verified version with these.
    const kb = loadedKb(
      folder({ 'key-not-saved.md': VALID, '_versions.md': '# In the channel\n- 1.18.0\n- 1.17.0\n' }),
    );
    expect(kb.seenVersions).toEqual(['1.18.0', '1.17.0']);
  });

  it('reports a _versions.md list item that is not a version', () => {
    // "1.18" would silently never match a verified version.
    const result = loadKnowledge(folder({ 'key-not-saved.md': VALID, '_versions.md': '- 1.18\n' }));
    expect(result.kb).toBeUndefined();
    expect(result.problems).toEqual(['_versions.md: line 1: "1.18" is not a version like 1.18.0']);
  });

  it('does not serve entries with enabled: false', () => {
    // A moderator can switch an answer off without deleting the file.
    const kb = loadedKb(
      folder({
        'key-not-saved.md': VALID,
        'retired-answer.md': withLine(/^last_verified: .*$/m, '$&\nenabled: false'),
      }),
    );
    expect(kb.entries.map((e) => e.id)).toEqual(['key-not-saved']);
    expect(kb.byId.has('retired-answer')).toBe(false);
  });

  it('reports a folder whose entries are all disabled', () => {
    // A bot with nothing to answer is a configuration mistake worth a loud message.
    const result = loadKnowledge(
      folder({ 'key-not-saved.md': withLine(/^last_verified: .*$/m, '$&\nenabled: false') }),
    );
    expect(result.kb).toBeUndefined();
    expect(result.problems).toContainEqual(expect.stringContaining('no enabled knowledge entries'));
  });

  it('ignores README.md', () => {
    // The moderators' guide in the folder is never treated as an answer.
    const result = loadKnowledge(
      folder({ 'key-not-saved.md': VALID, 'README.md': '# The knowledge base\nno frontmatter' }),
    );
    expect(result.problems).toEqual([]);
    expect(result.kb!.entries.map((e) => e.id)).toEqual(['key-not-saved']);
  });

  it('reports a folder that does not exist', () => {
    // A wrong KNOWLEDGE_DIR fails with the folder named.
    const result = loadKnowledge(path.join(os.tmpdir(), 'no-such-knowledge-folder-xyz'));
    expect(result.kb).toBeUndefined();
    expect(result.problems[0]).toContain('no-such-knowledge-folder-xyz');
  });
});

describe('the real knowledge folder', () => {
  const result = loadKnowledge(REAL_KNOWLEDGE);
  const entries = result.kb?.entries ?? [];
  const footer = result.kb?.footer ?? DEFAULT_FOOTER;
  const longestAsker = { asker: 'x'.repeat(32) };

  it('loads with no problems', () => {
    // npm start and kb:check accept the shipped knowledge base.
    expect(result.problems).toEqual([]);
    expect(entries.length).toBeGreaterThan(0);
  });

  it('gives every entry at least 8 examples', () => {
    // The classifier has enough real-looking messages to learn each intent from.
    for (const entry of entries) expect(entry.examples.length, entry.id).toBeGreaterThanOrEqual(8);
  });

  it("links OpenRouter's API reference by its current /docs/api_reference/ paths, not the redirects", () => {
    // The old /docs/api/reference/ pages only work through redirects that may go away.
    const links = entries.flatMap((entry) => entry.links.map((link) => `${entry.id}: ${link.url}`));
    expect(links.filter((link) => link.includes('openrouter.ai/docs/api/reference/'))).toEqual([]);
  });

  it('gives every entry at least one link', () => {
    // Every answer cites the docs it is based on.
    for (const entry of entries) expect(entry.links.length, entry.id).toBeGreaterThanOrEqual(1);
  });

  it('gives every entry non-empty ## Why and ## Fix sections', () => {
    // Follow-ups "why?" and "how do I fix it?" always have an answer.
    for (const entry of entries) {
      expect(entry.sections.why, `${entry.id} why`).toBeTruthy();
      expect(entry.sections.fix, `${entry.id} fix`).toBeTruthy();
    }
  });

  it('fits every rendered answer, why and fix in 2000 characters without cutting anything', () => {
    // Each reply is posted whole: main text, links, follow-up question and footer.
    for (const entry of entries) {
      const renders: Record<string, [text: string, main: string]> = {
        answer: [renderAnswer(entry, footer, { vars: longestAsker }), entry.answer],
        why: [renderFollowUp(entry, 'why', footer, { vars: longestAsker }), entry.sections.why ?? ''],
        fix: [renderFollowUp(entry, 'fix', footer, { vars: longestAsker }), entry.sections.fix ?? ''],
      };
      for (const [what, [text, main]] of Object.entries(renders)) {
        const label = `${entry.id} ${what}`;
        expect(text.length, label).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
        const filled = defuseMentions(main.replace(/\{\{\s*asker\s*\}\}/gi, longestAsker.asker));
        expect(text, `${label} keeps its whole text`).toContain(filled);
        expect(text, `${label} keeps its follow-up question`).toContain(defuseMentions(entry.followUp));
        for (const link of entry.links) expect(text, `${label} keeps its links`).toContain(link.url);
        expect(text.endsWith(footer), `${label} ends with the footer`).toBe(true);
      }
    }
  });
});

describe('the two YAML readers', () => {
  // Valid files are read by js-yaml (fast), broken ones again by `yaml` (its error positions feed
  // the hints above). A file the two read differently would change an entry depending on which
  // reader ran, so they must agree on everything a moderator writes: the shipped entries and the
  // bench's generated ones (quotes, colons, backticks, long lists).
  const frontmatters = [
    ...readdirSync(REAL_KNOWLEDGE)
      .filter((name) => name.endsWith('.md') && name !== 'README.md' && !name.startsWith('_'))
      .map((name) => readFileSync(path.join(REAL_KNOWLEDGE, name), 'utf8')),
    ...syntheticEntries(200, { seed: 5 }).map(entryMarkdown),
  ].map((source) => splitFrontmatter(source)?.yaml ?? '');

  it('read every knowledge file to the same value', () => {
    expect(frontmatters.length).toBeGreaterThan(200);
    for (const yaml of frontmatters)
      expect(loadYaml(yaml, { schema: CORE_SCHEMA })).toEqual(parseDocument(yaml).toJS());
  });

  it('keep a date as the text the moderator wrote', () => {
    const yaml = 'last_verified: 2026-11-28\n';
    expect(loadYaml(yaml, { schema: CORE_SCHEMA })).toEqual({ last_verified: '2026-11-28' });
    expect(parseDocument(yaml).toJS()).toEqual({ last_verified: '2026-11-28' });
  });
});
