// Reads knowledge/*.md into a KnowledgeBase. All problems are collected (file and field named)
// so a moderator can fix everything in one pass; a folder with any problem yields no KnowledgeBase.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { parseDocument, type YAMLError } from 'yaml';
import { type Entry, frontmatterSchema, type KnowledgeBase } from './entry.ts';
import { renderAnswer, renderFollowUp, renderHandover } from './render.ts';
import { securityCautionProblems } from './security-caution.ts';
import { parseSeenVersions } from './staleness.ts';

export const DEFAULT_FOOTER = '-# This is an automated response. Use !mute to stop the bot from responding.';
export const DEFAULT_HANDOVER =
  "Sorry that didn't solve it. A human helper will need more details: the full error text from the SillyTavern terminal window, your SillyTavern version, the API and model you use, and what you already tried. I'll stay out of this conversation now.";

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const REQUIRED_SECTIONS = ['why', 'fix'] as const;

export interface LoadResult {
  kb?: KnowledgeBase;
  problems: string[];
  /** Entries that validated, even when others did not (for kb:check and /kb status). */
  files: number;
}

/** Splits `---\nyaml\n---\nbody`. */
export function splitFrontmatter(source: string): { yaml: string; body: string } | undefined {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(source);
  return match ? { yaml: match[1] ?? '', body: match[2] ?? '' } : undefined;
}

/** The answer (text before the first `## `) and the sections by lowercase heading. */
export function splitBody(body: string): { answer: string; sections: Record<string, string> } {
  const parts = body.split(/^##[ \t]+(.+)$/m);
  const sections: Record<string, string> = {};
  for (let i = 1; i < parts.length; i += 2) {
    sections[(parts[i] ?? '').trim().toLowerCase()] = (parts[i + 1] ?? '').trim();
  }
  return { answer: (parts[0] ?? '').trim(), sections };
}

const QUOTE_HINT =
  "quote this value: a ': ' inside it makes YAML read a key. Put the whole value in single quotes (write '' for a ' inside).";

/** Hints for the YAML mistakes moderators actually make, by the `yaml` package's error code. */
const YAML_HINTS: Partial<Record<YAMLError['code'], string>> = {
  BLOCK_AS_IMPLICIT_KEY: QUOTE_HINT,
  BAD_SCALAR_START: 'quote this value: it starts with a character YAML reserves, such as @ or `.',
  MISSING_CHAR: 'a quoted value must end with the quote it started with.',
  BAD_INDENT: "quote this value if it starts with [ or {, otherwise indent list items as '  - text'.",
  UNEXPECTED_TOKEN:
    "text after a closing quote: in a single-quoted value write '' for a ', and quote values that start with { or [ (such as {{asker}}).",
  TAB_AS_INDENT: 'indent with spaces, not tabs.',
  DUPLICATE_KEY: 'this key appears twice: keep one.',
  MULTILINE_IMPLICIT_KEY: "every line needs 'key: value', or '  - text' for a list item.",
};

/** A YAML error with the line in the file (the frontmatter starts on line 2) and a hint. */
function yamlProblem(name: string, error: YAMLError): string {
  const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const where = error.linePos ? `line ${error.linePos[0].line + 1}: ` : '';
  const hint = YAML_HINTS[error.code];
  return `${name}: ${where}YAML: ${message}${hint ? `. Hint: ${hint}` : ''}`;
}

/** Whether a value that should be text was read as a mapping (`- error: 401` in a list). */
function readAsMapping(frontmatter: unknown, issue: { code: string; path: PropertyKey[] }): boolean {
  if (issue.code !== 'invalid_type') return false;
  let value: unknown = frontmatter;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * js-yaml reads a valid file about ten times faster than `yaml` (2000 files: ~0.05 s against
 * ~0.5 s, most of a large base's parse time); `yaml` then reads only a file js-yaml rejects, for its
 * error positions and codes that the moderator's hints are built on. Both read the YAML 1.2 core
 * schema (dates stay text), so the two agree on what a valid file says (test/unit/knowledge-load).
 */
function readFrontmatter(yaml: string): { value: unknown } | { errors: YAMLError[] } {
  try {
    return { value: loadYaml(yaml, { schema: CORE_SCHEMA }) };
  } catch {
    const doc = parseDocument(yaml);
    return doc.errors.length > 0 ? { errors: doc.errors } : { value: doc.toJS() };
  }
}

export function parseEntry(file: string, source: string): { entry?: Entry; problems: string[] } {
  const id = path.basename(file, '.md');
  const name = path.basename(file);
  const problems: string[] = [];
  if (!ID_PATTERN.test(id)) problems.push(`${name}: file name must be lowercase words joined by dashes`);
  const split = splitFrontmatter(source);
  if (!split) return { problems: [...problems, `${name}: must start with a '---' YAML frontmatter block`] };
  const read = readFrontmatter(split.yaml);
  if ('errors' in read) return { problems: [...problems, ...read.errors.map((e) => yamlProblem(name, e))] };
  const frontmatter = read.value ?? {};
  const parsed = frontmatterSchema.safeParse(frontmatter);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.') || 'frontmatter';
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(', ')})` : '';
      const hint = readAsMapping(frontmatter, issue) ? ` Hint: ${QUOTE_HINT}` : '';
      problems.push(`${name}: ${field}: ${issue.message}${keys}${hint}`);
    }
    return { problems };
  }
  const { answer, sections } = splitBody(split.body);
  if (!answer) problems.push(`${name}: body: the answer (text before the first heading) is empty`);
  for (const section of REQUIRED_SECTIONS) {
    if (!sections[section])
      problems.push(
        `${name}: body: missing or empty '## ${section[0]?.toUpperCase()}${section.slice(1)}' section`,
      );
  }
  const fm = parsed.data;
  const entry: Entry = {
    id,
    file,
    title: fm.title,
    summary: fm.summary,
    examples: fm.examples,
    keywords: fm.keywords.map((k) => k.toLowerCase()),
    patterns: fm.patterns.map((p) => new RegExp(p, 'i')),
    negativeExamples: fm.negative_examples,
    followUp: fm.follow_up,
    followUpSkipIf: fm.follow_up_skip_if.map((p) => new RegExp(p, 'i')),
    links: fm.links,
    lastVerified: fm.last_verified,
    verifiedAgainst: fm.verified_against,
    enabled: fm.enabled,
    answer,
    sections,
  };
  return { entry: problems.length ? undefined : entry, problems };
}

function readSetting(dir: string, file: string, fallback: string, problems: string[]): string {
  let text: string;
  try {
    text = readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return fallback;
  }
  if (!text) problems.push(`${file}: is empty (delete it to use the built-in text)`);
  if (text.length > 300) problems.push(`${file}: must be at most 300 characters`);
  return text || fallback;
}

/** `_versions.md` is optional: without it no entry is stale because of its SillyTavern version. */
function readSeenVersions(dir: string, problems: string[]): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, '_versions.md'), 'utf8');
  } catch {
    return [];
  }
  const parsed = parseSeenVersions(text);
  problems.push(...parsed.problems);
  return parsed.versions;
}

/** Problems with the rendered length of every reply an entry can produce. */
function lengthProblems(entry: Entry, footer: string, handover: string): string[] {
  const full = { vars: { asker: 'x'.repeat(32) }, fit: false };
  const renders = {
    answer: renderAnswer(entry, footer, full),
    why: renderFollowUp(entry, 'why', footer, full),
    fix: renderFollowUp(entry, 'fix', footer, full),
    handover: renderHandover(handover, footer),
  };
  return Object.entries(renders)
    .filter(([, text]) => text.length > 2000)
    .map(
      ([what, text]) =>
        `${path.basename(entry.file)}: the rendered ${what} is ${text.length} characters (Discord allows 2000)`,
    );
}

export function loadKnowledge(dir: string): LoadResult {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.md') && n !== 'README.md' && !n.startsWith('_'));
  } catch (error) {
    return {
      problems: [`${dir}: cannot read the knowledge folder (${(error as NodeJS.ErrnoException).code})`],
      files: 0,
    };
  }
  const problems: string[] = [];
  const footer = readSetting(dir, '_footer.md', DEFAULT_FOOTER, problems);
  const handover = readSetting(dir, '_handover.md', DEFAULT_HANDOVER, problems);
  const seenVersions = readSeenVersions(dir, problems);
  const all: Entry[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${name}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
      continue;
    }
    const result = parseEntry(file, source);
    problems.push(...result.problems);
    if (result.entry) {
      problems.push(...lengthProblems(result.entry, footer, handover));
      problems.push(...securityCautionProblems(result.entry, name));
      all.push(result.entry);
    }
  }
  const entries = all.filter((e) => e.enabled);
  if (entries.length === 0) problems.push(`${dir}: no enabled knowledge entries`);
  if (problems.length) return { problems, files: names.length };
  const kb: KnowledgeBase = {
    entries,
    byId: new Map(entries.map((e) => [e.id, e])),
    footer,
    handover,
    seenVersions,
    loadedAt: new Date(),
  };
  return { kb, problems, files: names.length };
}
