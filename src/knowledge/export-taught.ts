// Writes taught examples into the knowledge files: an example into its entry's `examples`, a
// negative or "not this entry" into the entry's `negative_examples`. The frontmatter is edited
// through the `yaml` package's Document API, so comments, quoting and layout stay as they were.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { splitFrontmatter } from './load.ts';

/**
 * What a moderator taught:
 * - example: the message should be answered with `entry`;
 * - negative: the bot should not have answered it at all (`entry` is the one it wrongly used);
 * - not-entry: `entry` was the wrong answer (another entry may be right).
 */
export type TaughtKind = 'example' | 'negative' | 'not-entry';

export interface ExportableExample {
  id: number;
  kind: TaughtKind;
  entry: string;
  text: string;
}

export interface ExportChange {
  id: number;
  file: string;
  field: 'examples' | 'negative_examples';
  text: string;
  /** false: the file already had this text; nothing was added, but it counts as exported. */
  added: boolean;
}

export interface ExportResult {
  changes: ExportChange[];
  /** Examples that could not be written (no such entry file, a file that does not parse). */
  skipped: { id: number; entry: string; reason: string }[];
  /** Files as they were before, to restore when the folder no longer validates. */
  originals: Map<string, string>;
}

/** Plans and (unless `dryRun`) writes the examples; returns what changed, file by file. */
export function exportTaughtExamples(
  dir: string,
  examples: ExportableExample[],
  { dryRun = false }: { dryRun?: boolean } = {},
): ExportResult {
  const result: ExportResult = { changes: [], skipped: [], originals: new Map() };
  const byEntry = new Map<string, ExportableExample[]>();
  for (const example of examples)
    byEntry.set(example.entry, [...(byEntry.get(example.entry) ?? []), example]);
  for (const [entry, taught] of byEntry) {
    const file = path.join(dir, `${entry}.md`);
    const skip = (reason: string) => result.skipped.push(...taught.map(({ id }) => ({ id, entry, reason })));
    if (!/^[a-z0-9-]+$/.test(entry) || !existsSync(file)) {
      skip(`no file ${path.basename(file)} (entry renamed or removed?)`);
      continue;
    }
    const source = readFileSync(file, 'utf8');
    const split = splitFrontmatter(source);
    const doc = split ? parseDocument(split.yaml) : undefined;
    if (!split || !doc || doc.errors.length > 0) {
      skip('its frontmatter does not parse; fix the file (npm run kb:check) and export again');
      continue;
    }
    for (const example of taught) {
      const field = example.kind === 'example' ? 'examples' : 'negative_examples';
      let list = doc.get(field);
      if (!isSeq(list)) {
        list = doc.createNode([]) as YAMLSeq;
        doc.set(field, list);
      }
      const seq = list as YAMLSeq;
      const known = (seq.toJSON() as unknown[]).some((item) => item === example.text);
      if (!known) seq.add(doc.createNode(example.text));
      result.changes.push({ id: example.id, file, field, text: example.text, added: !known });
    }
    if (!result.changes.some((change) => change.file === file && change.added)) continue;
    result.originals.set(file, source);
    // lineWidth 0: never fold long lines, so untouched lines come out exactly as they were.
    const yaml = doc.toString({ lineWidth: 0 }).trimEnd();
    if (!dryRun) writeFileSync(file, `---\n${yaml}\n---\n${split.body}`);
  }
  return result;
}

/** Puts the files back as they were before an export. */
export function restoreFiles(originals: Map<string, string>): void {
  for (const [file, source] of originals) writeFileSync(file, source);
}
