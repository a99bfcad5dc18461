// Taught examples in a real SQLite file: stored redacted, scoped to their server, undone by
// /kb untrain, turned into training texts, and emptied of their text once exported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.ts';

const GUILD_A = '100000000000000001';
const GUILD_B = '100000000000000002';
const MOD = '300000000000000003';
const KEY = `sk-or-v1-${'a1b2c3d4'.repeat(8)}`;

let dir: string;
let store: Store;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'taught-'));
  clock = Date.UTC(2026, 0, 1);
  store = openStore(path.join(dir, 'bot.sqlite'), () => clock);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const teach = (overrides: Partial<Parameters<Store['taught']['teach']>[0]> = {}) =>
  store.taught.teach({
    guildId: GUILD_A,
    kind: 'example',
    entry: 'error-401-unauthorized',
    text: 'openrouter keeps saying unauthorized',
    moderatorId: MOD,
    sourceLink: 'https://discord.com/channels/1/2/3',
    ...overrides,
  });

describe('taught examples', () => {
  it('stores the text with API keys redacted', () => {
    teach({ text: `my key ${KEY} gives 401` });
    const [row] = store.taught.list(GUILD_A);
    expect(row?.text).not.toContain(KEY);
    expect(row?.text).toMatch(/my key \[REDACTED .* key\] gives 401/);
  });

  it('shows a moderator only the taught examples of their own server', () => {
    teach({ text: 'from server A' });
    teach({ guildId: GUILD_B, text: 'from server B' });
    expect(store.taught.list(GUILD_A).map((r) => r.text)).toEqual(['from server A']);
    expect(store.taught.list(GUILD_B).map((r) => r.text)).toEqual(['from server B']);
  });

  it('lists one entry when asked, newest first', () => {
    teach({ text: 'first' });
    clock += 1000;
    teach({ text: 'second' });
    teach({ entry: 'error-429-rate-limit', text: 'other entry' });
    expect(store.taught.list(GUILD_A, 'error-401-unauthorized').map((r) => r.text)).toEqual([
      'second',
      'first',
    ]);
  });

  it('forgets an example on untrain, but not one of another server', () => {
    const id = teach();
    expect(store.taught.untrain(GUILD_B, id)).toBe(false);
    expect(store.taught.list(GUILD_A)).toHaveLength(1);
    expect(store.taught.untrain(GUILD_A, id)).toBe(true);
    expect(store.taught.list(GUILD_A)).toEqual([]);
    expect(store.taught.trainingTexts()).toEqual([]);
  });

  it('teaches the classifier: an example its entry, a negative "no answer" to that entry, a wrong entry "not this one"', () => {
    teach({ kind: 'example', text: 'a' });
    teach({ kind: 'negative', text: 'b' });
    teach({ kind: 'not-entry', text: 'c' });
    expect(store.taught.trainingTexts()).toEqual([
      { text: 'a', intent: 'error-401-unauthorized', guildId: GUILD_A },
      { text: 'b', intent: 'none', notIntent: 'error-401-unauthorized', guildId: GUILD_A },
      { text: 'c', notIntent: 'error-401-unauthorized', guildId: GUILD_A },
    ]);
  });

  it('drops the text once exported, keeps the record, and exports nothing twice', () => {
    const id = teach();
    expect(store.taught.pendingExport().map((r) => r.id)).toEqual([id]);
    expect(store.taught.markExported([id])).toBe(1);
    expect(store.taught.markExported([id])).toBe(0);
    expect(store.taught.pendingExport()).toEqual([]);
    expect(store.taught.trainingTexts()).toEqual([]);
    const [row] = store.taught.list(GUILD_A);
    expect(row?.text).toBeNull();
    expect(row?.exportedAt).toBe(clock);
  });

  it('keeps taught examples across a restart (a real file)', () => {
    teach();
    store.close();
    store = openStore(path.join(dir, 'bot.sqlite'), () => clock);
    expect(store.taught.list(GUILD_A)).toHaveLength(1);
  });
});

describe('review queue', () => {
  const unanswered = (guildId: string, messageId: string, text: string) =>
    store.recordUnanswered({
      guildId,
      channelId: '200000000000000001',
      userId: '300000000000000002',
      messageId,
      text,
      reason: 'silent: low confidence',
    });

  it('lists the most frequent unanswered help requests of this server first', () => {
    unanswered(GUILD_A, '1', 'How do I install extensions?');
    unanswered(GUILD_A, '2', 'Lorebook not triggering');
    unanswered(GUILD_A, '3', 'lorebook not triggering ');
    unanswered(GUILD_B, '4', 'only in server B');
    const { unanswered: queue } = store.taught.review(GUILD_A);
    expect(queue.map((q) => q.count)).toEqual([2, 1]);
    expect(queue.map((q) => q.text.toLowerCase().trim())).toEqual([
      'lorebook not triggering',
      'how do i install extensions?',
    ]);
  });

  it('takes a question and its repeats off the queue when reviewed', () => {
    unanswered(GUILD_A, '2', 'Lorebook not triggering');
    unanswered(GUILD_A, '3', 'lorebook not triggering');
    expect(store.taught.markUnansweredReviewed(GUILD_B, '2')).toBe(false);
    expect(store.taught.markUnansweredReviewed(GUILD_A, '2')).toBe(true);
    expect(store.taught.review(GUILD_A).unanswered).toEqual([]);
  });

  it('lists answers voted "Not helpful" until a moderator reviews them', () => {
    const answerId = store.recordAnswer({
      guildId: GUILD_A,
      channelId: '200000000000000001',
      conversationId: '200000000000000001',
      userId: '300000000000000002',
      questionMessageId: '10',
      intent: 'error-429-rate-limit',
      kind: 'answer',
      decidedBy: 'local classifier',
    });
    store.setAnswerMessage(answerId, '11');
    store.vote('11', '300000000000000002', 'not-helpful');
    expect(store.taught.review(GUILD_B).notHelpful).toEqual([]);
    expect(store.taught.review(GUILD_A).notHelpful).toMatchObject([
      { id: answerId, answerMessageId: '11', intent: 'error-429-rate-limit', votes: 1 },
    ]);
    store.taught.markAnswerReviewed(GUILD_A, answerId);
    expect(store.taught.review(GUILD_A).notHelpful).toEqual([]);
  });
});
