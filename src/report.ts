// What moderators learn from the record: answers per intent with their feedback, unanswered help
// requests, and the questions asked most often without an answer (the entries to write next).
// Shared by /stats on Discord and `npm run report` in the terminal, so both say the same.
import type { Stats } from './store/store.ts';

export interface FrequentQuestion {
  /** The most recent wording of the question. */
  text: string;
  count: number;
  lastAskedAt: number;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** Lowercase words and numbers only: "Why 401??" and "why 401" are the same question. */
export function questionKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/<[@#][!&]?\d+>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Unanswered questions grouped by their normalized text, most frequent first (then most recent). */
export function frequentUnanswered(rows: Stats['unanswered'], limit: number): FrequentQuestion[] {
  const groups = new Map<string, FrequentQuestion>();
  for (const row of rows) {
    const key = questionKey(row.text);
    if (!key) continue;
    const group = groups.get(key);
    if (!group) groups.set(key, { text: row.text, count: 1, lastAskedAt: row.createdAt });
    else {
      group.count += 1;
      if (row.createdAt > group.lastAskedAt)
        Object.assign(group, { text: row.text, lastAskedAt: row.createdAt });
    }
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || b.lastAskedAt - a.lastAskedAt)
    .slice(0, limit);
}

/** One line of a question: whitespace collapsed, cut to `max` characters. */
function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface ReportOptions {
  days: number;
  /** How many of the most frequent unanswered questions to list. */
  top: number;
}

/** The report as plain lines (no markdown, so it reads the same in a terminal and on Discord). */
export function statsReport(stats: Stats, { days, top }: ReportOptions): string[] {
  const lines = [`Last ${plural(days, 'day')}`, ''];

  const perIntent = new Map<string, Map<string, number>>();
  const add = (intent: string, what: string, count: number) => {
    const counts = perIntent.get(intent) ?? new Map<string, number>();
    counts.set(what, (counts.get(what) ?? 0) + count);
    perIntent.set(intent, counts);
  };
  const totals = new Map<string, number>();
  const total = (what: string, count: number) => totals.set(what, (totals.get(what) ?? 0) + count);
  for (const row of stats.answers) {
    add(row.intent, row.kind, row.count);
    total(row.kind, row.count);
  }
  for (const row of stats.feedback) {
    add(row.intent, row.vote, row.count);
    total(row.vote, row.count);
  }
  for (const row of stats.removed) {
    add(row.intent, row.reason, row.count);
    total(row.reason, row.count);
  }

  const answerParts = (counts: Map<string, number>) =>
    [
      ['answer', 'answer'],
      ['followup', 'follow-up'],
      ['handover', 'hand-over'],
    ]
      .filter(([kind]) => counts.get(kind ?? ''))
      .map(([kind, label]) => plural(counts.get(kind ?? '') ?? 0, label ?? ''));
  const feedbackParts = (counts: Map<string, number>) =>
    [
      ['solved', 'solved'],
      ['not-helpful', 'not helpful'],
      ['dismissed', 'dismissed'],
      ['question deleted', 'removed with the question'],
    ]
      .filter(([what]) => counts.get(what ?? ''))
      .map(([what, label]) => `${counts.get(what ?? '')} ${label}`);

  const answered = stats.answers.reduce((sum, row) => sum + row.count, 0);
  const answerSummary = answerParts(totals);
  lines.push(`Replies: ${answered}${answerSummary.length ? ` (${answerSummary.join(', ')})` : ''}`);
  const feedbackSummary = feedbackParts(totals);
  lines.push(`Feedback: ${feedbackSummary.length ? feedbackSummary.join(', ') : 'none'}`);
  const byVolume = [...perIntent.entries()].sort(([a, x], [b, y]) => sum(y) - sum(x) || a.localeCompare(b));
  for (const [intent, counts] of byVolume) {
    const parts = [answerParts(counts).join(', ') || 'no replies in this period'];
    const feedback = feedbackParts(counts);
    if (feedback.length) parts.push(feedback.join(', '));
    lines.push(`  ${intent}: ${parts.join('; ')}`);
  }

  lines.push('', `Unanswered help requests: ${stats.unanswered.length}`);
  const reasons = new Map<string, number>();
  for (const row of stats.unanswered) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + 1);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1])) lines.push(`  ${count} ${reason}`);

  const frequent = frequentUnanswered(stats.unanswered, top);
  if (frequent.length) {
    lines.push('', 'Entries to write next (the most frequent unanswered questions):');
    for (const question of frequent) lines.push(`  ${question.count}× ${oneLine(question.text)}`);
  }
  return lines;
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

/** Joins lines into at most `limit` characters, saying how many lines were left out. */
export function fitLines(lines: string[], limit = 2000, hint = ''): string {
  const out: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const left = lines.length - index;
    const note = `… ${plural(left, 'more line')}${hint}`;
    const needed = length + line.length + 1;
    // Keep room for the note in case a later line does not fit.
    if (needed + (index === lines.length - 1 ? 0 : note.length + 1) > limit) {
      out.push(note.length + length <= limit ? note : '…');
      return out.join('\n');
    }
    out.push(line);
    length = needed;
  }
  return out.join('\n');
}
