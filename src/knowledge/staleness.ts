// Which answers may have gone out of date: checked too long ago, or checked against a SillyTavern
// older than the versions people in the channel run (knowledge/_versions.md). Shown by
// `npm run kb:stale` and `/kb status`; it never stops an answer from being given.
import type { Entry } from './entry.ts';
import { VERSION_PATTERN } from './entry.ts';

/** Entries not verified for this many days count as stale (`kb:stale --days N` overrides it). */
export const STALE_AFTER_DAYS = 120;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `_versions.md`: the SillyTavern versions moderators currently see in the channel, one list item
 * each (`- 1.18.0`). Any other line (headings, notes) is ignored, so the file can explain itself.
 */
export function parseSeenVersions(text: string): { versions: string[]; problems: string[] } {
  const versions: string[] = [];
  const problems: string[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const item = /^\s*[-*]\s+(.*?)\s*$/.exec(line)?.[1];
    if (item === undefined) continue;
    if (VERSION_PATTERN.test(item)) versions.push(item);
    else problems.push(`_versions.md: line ${index + 1}: "${item}" is not a version like 1.18.0`);
  }
  return { versions, problems };
}

/** Negative when `a` is older than `b`, by major, minor, patch. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export interface StaleEntry {
  id: string;
  lastVerified: string;
  /** Why it is listed, e.g. "verified 130 days ago", "verified against SillyTavern 1.17.0; 1.18.0 is in use". */
  reasons: string[];
}

export interface StalenessOptions {
  now: Date;
  maxAgeDays?: number;
  /** The versions from `_versions.md`. */
  seenVersions: string[];
}

/** The entries to re-verify, oldest verification first. */
export function staleEntries(
  entries: Pick<Entry, 'id' | 'lastVerified' | 'verifiedAgainst'>[],
  { now, maxAgeDays = STALE_AFTER_DAYS, seenVersions }: StalenessOptions,
): StaleEntry[] {
  const newestSeen = [...seenVersions].sort(compareVersions).at(-1);
  const stale: StaleEntry[] = [];
  for (const entry of entries) {
    const reasons: string[] = [];
    const age = Math.floor((now.getTime() - Date.parse(`${entry.lastVerified}T00:00:00Z`)) / DAY_MS);
    if (age > maxAgeDays) reasons.push(`verified ${age} day${age === 1 ? '' : 's'} ago`);
    const verified = entry.verifiedAgainst.sillytavern;
    if (verified && newestSeen && compareVersions(verified, newestSeen) < 0)
      reasons.push(`verified against SillyTavern ${verified}; ${newestSeen} is in use`);
    if (reasons.length) stale.push({ id: entry.id, lastVerified: entry.lastVerified, reasons });
  }
  return stale.sort((a, b) => a.lastVerified.localeCompare(b.lastVerified) || a.id.localeCompare(b.id));
}

/** One line per stale entry, for the terminal and for Discord. */
export function describeStale(stale: StaleEntry[], maxAgeDays = STALE_AFTER_DAYS): string[] {
  if (stale.length === 0)
    return [`No stale entries (all verified within ${maxAgeDays} days and against the versions in use).`];
  return [
    `${stale.length} entr${stale.length === 1 ? 'y' : 'ies'} to re-verify:`,
    ...stale.map((s) => `- ${s.id}: ${s.reasons.join('; ')}`),
  ];
}
