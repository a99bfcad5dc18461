// `npm run report`: what /stats shows, in the terminal, plus the most frequent unanswered
// questions as the entries to write next.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fitLines, frequentUnanswered, questionKey, statsReport } from '../../src/report.ts';
import { openStore, type Stats } from '../../src/store/store.ts';

const DAY = 86_400_000;

function report(args: string[], databasePath: string) {
  const run = spawnSync('node_modules/.bin/tsx', ['src/cli/report.ts', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env'),
      DATABASE_PATH: databasePath,
    },
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

/** A database with a week of activity: answers, votes, a dismissal and unanswered questions. */
function seededDatabase(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'report-')), 'bot.sqlite');
  const store = openStore(file);
  // Another server's activity, which must never show up in g1's report.
  store.recordUnanswered({
    guildId: 'g2',
    channelId: 'c2',
    userId: 'u9',
    messageId: 'm9',
    text: 'a question only server two asked',
    reason: 'silent: low confidence',
  });
  const answer = (intent: string, messageId: string, kind = 'answer') => {
    const id = store.recordAnswer({
      guildId: 'g1',
      channelId: 'c1',
      conversationId: 'c1',
      userId: 'u1',
      questionMessageId: `q-${messageId}`,
      intent,
      kind,
      confidence: 0.8,
      decidedBy: 'local classifier',
    });
    store.setAnswerMessage(id, messageId);
  };
  answer('error-401-unauthorized', 'a1');
  answer('error-401-unauthorized', 'a2');
  answer('error-401-unauthorized', 'a3', 'followup');
  answer('error-429-rate-limit', 'a4');
  store.vote('a1', 'u1', 'solved');
  store.vote('a2', 'u2', 'not-helpful');
  store.markRemoved('a4', 'dismissed');
  const ask = (text: string, i: number) =>
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: `u${i}`,
      messageId: `m${i}`,
      text,
      reason: i % 2 ? 'silent: low confidence' : 'silent: too close to the runner-up',
    });
  ask('How do I change the temperature?', 1);
  ask('how do i change the temperature', 2);
  ask('HOW DO I CHANGE THE TEMPERATURE??', 3);
  ask('where are my chats saved?', 4);
  ask('where are my chats saved', 5);
  ask('can I use two GPUs?', 6);
  store.close();
  return file;
}

describe('npm run report', () => {
  it('prints answers per intent with feedback, unanswered help requests and the entries to write next', () => {
    const run = report([], seededDatabase());
    expect(run.err).toBe('');
    expect(run.status).toBe(0);
    expect(run.out).toContain('Last 30 days');
    expect(run.out).toContain('Replies: 4 (3 answers, 1 follow-up)');
    expect(run.out).toContain('Feedback: 1 solved, 1 not helpful, 1 dismissed');
    expect(run.out).toContain('error-401-unauthorized: 2 answers, 1 follow-up; 1 solved, 1 not helpful');
    expect(run.out).toContain('error-429-rate-limit: 1 answer; 1 dismissed');
    expect(run.out).toContain('Unanswered help requests: 6');
    const next = run.out.slice(run.out.indexOf('Entries to write next'));
    expect(next.split('\n').slice(1, 4)).toEqual([
      '  3× HOW DO I CHANGE THE TEMPERATURE??',
      '  2× where are my chats saved',
      '  1× can I use two GPUs?',
    ]);
  });

  it('prints one report per server, never one mixed total', () => {
    const run = report([], seededDatabase());
    expect(run.status).toBe(0);
    const [first = '', second = ''] = run.out.split(/\n(?=Server )/);
    expect(first).toMatch(/^Server g1\n/);
    expect(first).toContain('Unanswered help requests: 6');
    expect(first).not.toContain('server two');
    expect(second).toMatch(/^Server g2\n/);
    expect(second).toContain('Replies: 0');
    expect(second).toContain('Unanswered help requests: 1');
    expect(second).toContain('1× a question only server two asked');
  });

  it('prints only the server asked for with --guild', () => {
    const run = report(['--guild', 'g2'], seededDatabase());
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/^Server g2\n/);
    expect(run.out).not.toContain('Server g1');
    expect(run.out).not.toContain('TEMPERATURE');
  });

  it('limits the list with --top', () => {
    const run = report(['--guild', 'g1', '--top', '1'], seededDatabase());
    const next = run.out.slice(run.out.indexOf('Entries to write next'));
    expect(next.trim().split('\n')).toHaveLength(2);
  });

  it('says what is wrong with a bad option', () => {
    const run = report(['--days', 'lots'], seededDatabase());
    expect(run.status).toBe(1);
    expect(run.err).toContain('--days must be a whole number');
  });

  it('says there is nothing to report before the bot has created its database', () => {
    const run = report([], path.join(mkdtempSync(path.join(tmpdir(), 'report-')), 'none.sqlite'));
    expect(run.status).toBe(1);
    expect(run.err).toContain('No database at');
  });

  it('reads the database without writing to it, so it can run beside the bot', () => {
    const file = seededDatabase();
    const before = readFileSync(file);
    const run = report([], file);
    expect(run.status).toBe(0);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a database from an older version instead of migrating it', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'report-')), 'old.sqlite');
    const old = new Database(file);
    old.exec('CREATE TABLE answers (id INTEGER PRIMARY KEY)');
    old.pragma('user_version = 1');
    old.close();
    const run = report([], file);
    expect(run.status).toBe(1);
    expect(run.err).toContain('schema version 1, older than this code');
    expect(run.err).toContain('npm start');
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    after.close();
  });
});

describe('the report', () => {
  const empty: Stats = { answers: [], feedback: [], removed: [], unanswered: [] };
  const row = (text: string, createdAt: number) => ({
    text,
    reason: 'silent: low confidence',
    topIntent: null,
    confidence: null,
    createdAt,
  });

  it('groups questions that differ only in case, punctuation and spacing', () => {
    expect(questionKey('  Why   401?? ')).toBe(questionKey('why 401'));
    expect(questionKey('why 401')).not.toBe(questionKey('why 402'));
  });

  it('ranks the most frequent first, the most recent first among equals, in its latest wording', () => {
    const rows = [row('a?', 1), row('b', 2), row('A', 3), row('c', 4)];
    expect(frequentUnanswered(rows, 10)).toEqual([
      { text: 'A', count: 2, lastAskedAt: 3 },
      { text: 'c', count: 1, lastAskedAt: 4 },
      { text: 'b', count: 1, lastAskedAt: 2 },
    ]);
  });

  it('says so when nothing happened', () => {
    const lines = statsReport(empty, { days: 7, top: 5 });
    expect(lines).toContain('Replies: 0');
    expect(lines).toContain('Feedback: none');
    expect(lines).toContain('Unanswered help requests: 0');
    expect(lines.join('\n')).not.toContain('Entries to write next');
  });

  it('keeps every question on one line', () => {
    const lines = statsReport(
      { ...empty, unanswered: [row('first line\nsecond line', DAY)] },
      { days: 1, top: 5 },
    );
    expect(lines).toContain('  1× first line second line');
  });

  it('fits a long report into one Discord message and says how much was left out', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    const text = fitLines(lines, 2000, ' (npm run report shows everything)');
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toMatch(/… \d+ more lines \(npm run report shows everything\)$/);
    const shown = text.split('\n').length - 1;
    expect(text).toContain(`… ${300 - shown} more lines`);
    expect(fitLines(['short', 'report'], 2000)).toBe('short\nreport');
  });
});
