// What users wrote and who they are is kept only for a while: unanswered help requests after
// UNANSWERED_RETENTION_DAYS, answers and votes (with their user ids) after ANSWER_RETENTION_DAYS,
// at start-up and once a day while the bot runs. A real SQLite file, read back directly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { PRUNE_INTERVAL_MS, startRetention } from '../../src/store/retention.ts';
import { openStore, type Store } from '../../src/store/store.ts';

const DAY = 86_400_000;
const RETENTION = { UNANSWERED_RETENTION_DAYS: 30, ANSWER_RETENTION_DAYS: 90 };

const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function storeWithClock() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'retention-')), 'bot.sqlite');
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = openStore(file, () => clock.now);
  opened.push(store);
  const ask = (text: string) =>
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      messageId: `m-${text}`,
      text,
      reason: 'silent: low confidence',
    });
  /** An answer to `userId`, voted on by the same user. */
  const answerAndVote = (userId: string, messageId: string) => {
    const id = store.recordAnswer({
      guildId: 'g1',
      channelId: 'c1',
      conversationId: 'c1',
      userId,
      questionMessageId: `q-${messageId}`,
      intent: 'error-401-unauthorized',
      kind: 'answer',
      decidedBy: 'local classifier',
    });
    store.setAnswerMessage(id, messageId);
    store.vote(messageId, userId, 'solved');
  };
  const texts = () => store.stats('g1', 3650).unanswered.map((row) => row.text);
  /** Every user id still in the file, read straight from SQLite. */
  const userIdsOnDisk = () => {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db
        .prepare('SELECT user_id AS id FROM answers UNION SELECT user_id FROM feedback ORDER BY id')
        .all() as { id: string }[];
      return rows.map((row) => row.id);
    } finally {
      db.close();
    }
  };
  return { clock, store, ask, answerAndVote, texts, userIdsOnDisk };
}

describe('retention', () => {
  it('keeps unanswered questions 30 days and answers and votes 90 days unless configured otherwise', () => {
    const parsed = parseConfig({});
    expect(parsed.ok && parsed.config.UNANSWERED_RETENTION_DAYS).toBe(30);
    expect(parsed.ok && parsed.config.ANSWER_RETENTION_DAYS).toBe(90);
  });

  it('deletes unanswered questions older than their retention period at start-up and keeps newer ones', () => {
    const { clock, store, ask, texts } = storeWithClock();
    ask('old question');
    clock.now += 31 * DAY;
    ask('recent question');
    const retention = startRetention({ store, config: RETENTION, logger: silentLogger() });
    retention.stop();
    expect(retention.pruned.unanswered).toBe(1);
    expect(texts()).toEqual(['recent question']);
  });

  it('deletes answers and votes, and so the user ids in them, after ANSWER_RETENTION_DAYS', () => {
    const { clock, store, answerAndVote, userIdsOnDisk } = storeWithClock();
    answerAndVote('asked-long-ago', 'a-old');
    clock.now += 91 * DAY;
    answerAndVote('asked-last-week', 'a-new');
    const retention = startRetention({ store, config: RETENTION, logger: silentLogger() });
    retention.stop();
    expect(retention.pruned).toMatchObject({ answers: 1, votes: 1 });
    expect(userIdsOnDisk()).toEqual(['asked-last-week']);
    expect(store.answerForMessage('a-old')).toBeUndefined();
    expect(store.answerForMessage('a-new')).toMatchObject({ userId: 'asked-last-week' });
  });

  it('keeps answers younger than the retention period even when unanswered questions of that age go', () => {
    const { clock, store, ask, answerAndVote, userIdsOnDisk, texts } = storeWithClock();
    ask('forty days old');
    answerAndVote('asker', 'a-1');
    clock.now += 40 * DAY;
    const retention = startRetention({ store, config: RETENTION, logger: silentLogger() });
    retention.stop();
    expect(texts()).toEqual([]);
    expect(userIdsOnDisk()).toEqual(['asker']);
  });

  it('keeps mutes: a user who asked for silence keeps it', () => {
    const { clock, store } = storeWithClock();
    store.mute('g1', 'quiet-user');
    clock.now += 365 * DAY;
    startRetention({ store, config: RETENTION, logger: silentLogger() }).stop();
    expect(store.isMuted('g1', 'quiet-user')).toBe(true);
  });

  it('prunes again once a day while the bot runs', () => {
    vi.useFakeTimers();
    const { clock, store, ask, answerAndVote, texts, userIdsOnDisk } = storeWithClock();
    ask('asked on day one');
    answerAndVote('asker', 'a-1');
    const retention = startRetention({ store, config: RETENTION, logger: silentLogger() });
    expect(texts()).toEqual(['asked on day one']);
    clock.now += 90 * DAY + 1;
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS);
    expect(texts()).toEqual([]);
    expect(userIdsOnDisk()).toEqual([]);
    retention.stop();
  });

  it('never keeps the process alive for it', () => {
    const interval = vi.spyOn(globalThis, 'setInterval');
    const { store } = storeWithClock();
    const retention = startRetention({ store, config: RETENTION, logger: silentLogger() });
    const timer = interval.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    retention.stop();
  });

  it('still prunes answers when pruning unanswered questions fails, and logs the failure as itself', () => {
    const logger = silentLogger();
    const logged = vi.spyOn(logger, 'error');
    const failing = {
      pruneUnanswered: () => {
        throw new Error('database is locked');
      },
      pruneAnswers: () => ({ answers: 2, votes: 1 }),
    };
    const retention = startRetention({ store: failing, config: RETENTION, logger });
    retention.stop();
    expect(retention.pruned).toEqual({ unanswered: 0, answers: 2, votes: 1 });
    expect(logged).toHaveBeenCalledWith(expect.anything(), 'could not prune unanswered help requests');
  });
});
