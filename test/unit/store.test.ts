import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnswerRecord, openStatsReader, openStore, type Store } from '../../src/store/store.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let file: string;
const opened: Store[] = [];

/** Opens a store on the temp file with a controllable clock. */
function open(clock: { now: number } = { now: T0 }): Store {
  const store = openStore(file, () => clock.now);
  opened.push(store);
  return store;
}

function closeAll(): void {
  for (const store of opened.splice(0)) {
    try {
      store.close();
    } catch {
      // already closed by the test
    }
  }
}

/** Reads a pragma straight from the file, bypassing the store. */
function pragmaOf(name: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

function answer(overrides: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    guildId: 'g1',
    channelId: 'c1',
    conversationId: 'c1',
    userId: 'u1',
    questionMessageId: 'q1',
    intent: 'error-401-unauthorized',
    kind: 'answer',
    confidence: 0.9,
    decidedBy: 'local',
    ...overrides,
  };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'store-test-'));
  file = path.join(dir, 'nested', 'bot.sqlite');
});

afterEach(() => {
  closeAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('mutes', () => {
  it('reports a first mute as a change and mutes the user', () => {
    // "!mute" answers "Okay, I won't respond..." and the bot ignores that user from now on.
    const store = open();
    expect(store.isMuted('g1', 'u1')).toBe(false);
    expect(store.mute('g1', 'u1')).toBe(true);
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('reports a repeated mute as no change and keeps the user muted', () => {
    // A second "!mute" answers "You're already muted" and changes nothing.
    const store = open();
    store.mute('g1', 'u1');
    expect(store.mute('g1', 'u1')).toBe(false);
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('reports an unmute of a muted user as a change', () => {
    // "!unmute" after "!mute" answers "Okay, I'll respond again" and the bot answers that user again.
    const store = open();
    store.mute('g1', 'u1');
    expect(store.unmute('g1', 'u1')).toBe(true);
    expect(store.isMuted('g1', 'u1')).toBe(false);
  });

  it('reports an unmute of a user who was not muted as no change', () => {
    // "!unmute" without a mute answers "You weren't muted".
    const store = open();
    expect(store.unmute('g1', 'u1')).toBe(false);
    expect(store.unmute('g1', 'u1')).toBe(false);
    expect(store.isMuted('g1', 'u1')).toBe(false);
  });

  it('mutes a user in one server only', () => {
    // Muting the bot in one Discord server does not silence it for that user elsewhere.
    const store = open();
    store.mute('g1', 'u1');
    expect(store.isMuted('g2', 'u1')).toBe(false);
    expect(store.isMuted('g1', 'u2')).toBe(false);
  });

  it('keeps a mute after the database file is closed and reopened', () => {
    // A muted user stays muted across a bot restart or redeploy.
    const first = open();
    first.mute('g1', '1234567890123456789');
    first.close();
    const second = open();
    expect(second.isMuted('g1', '1234567890123456789')).toBe(true);
  });

  it('keeps snowflake ids exact beyond JavaScript safe integers', () => {
    // Muting user 1234567890123456789 never mutes a different user whose id rounds to the same number.
    const store = open();
    store.mute('g1', '1234567890123456789');
    expect(store.isMuted('g1', '1234567890123456780')).toBe(false);
    expect(store.isMuted('g1', '1234567890123456789')).toBe(true);
  });
});

describe('paused channels', () => {
  it('pauses and resumes a channel with idempotent return values', () => {
    // A moderator pausing twice is told it was already paused; resuming brings the bot back.
    const store = open();
    expect(store.pause('g1', 'c1')).toBe(true);
    expect(store.pause('g1', 'c1')).toBe(false);
    expect(store.isPaused('g1', 'c1')).toBe(true);
    expect(store.resume('g1', 'c1')).toBe(true);
    expect(store.resume('g1', 'c1')).toBe(false);
    expect(store.isPaused('g1', 'c1')).toBe(false);
  });
});

describe('migrations', () => {
  it('creates the database file and its folder and sets user_version', () => {
    // A fresh install needs no manual database setup.
    open().close();
    expect(pragmaOf('user_version')).toBeGreaterThan(0);
  });

  it('does not rerun migrations when an up-to-date file is reopened', () => {
    // Restarting the bot leaves the schema version and the data as they were.
    open().close();
    const version = pragmaOf('user_version');
    const store = open();
    store.mute('g1', 'u1');
    store.close();
    expect(pragmaOf('user_version')).toBe(version);
    expect(open().isMuted('g1', 'u1')).toBe(true);
  });

  it('refuses a database written by a newer bot with a clear error', () => {
    // Rolling back to an older bot fails loudly at startup instead of corrupting the newer schema.
    open().close();
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    expect(() => open()).toThrow(/schema version 999 is newer than this bot.*upgrade the bot/);
  });
});

describe('WAL mode', () => {
  it('uses write-ahead logging', () => {
    // Readers (stats commands) do not block the bot writing answers.
    open().close();
    expect(pragmaOf('journal_mode')).toBe('wal');
  });
});

describe('answers', () => {
  it('returns the new row id and finds the answer by its Discord message id', () => {
    // A reaction on the bot's reply is traced back to the question and intent it answered.
    const store = open();
    const id = store.recordAnswer(answer());
    store.setAnswerMessage(id, 'reply-1');
    expect(store.answerForMessage('reply-1')).toEqual({
      id,
      userId: 'u1',
      intent: 'error-401-unauthorized',
      questionMessageId: 'q1',
      answerMessageId: 'reply-1',
      createdAt: T0,
    });
  });

  it('lists only sent answers for a question', () => {
    // When the asker deletes their question, the bot finds the replies it actually posted.
    const store = open();
    store.recordAnswer(answer({ questionMessageId: 'q9' }));
    store.recordAnswer(answer({ questionMessageId: 'q9', answerMessageId: 'reply-9', channelId: 'c7' }));
    expect(store.answersForQuestion('q9')).toEqual([
      { answerMessageId: 'reply-9', channelId: 'c7', createdAt: T0 },
    ]);
  });
});

describe('pruneUnanswered', () => {
  it('deletes only unanswered questions older than the retention period', () => {
    // Moderators see the last 30 days of unanswered questions; older ones are gone for privacy.
    const clock = { now: T0 };
    const store = open(clock);
    const record = (text: string) =>
      store.recordUnanswered({
        guildId: 'g1',
        channelId: 'c1',
        userId: 'u1',
        messageId: text,
        text,
        reason: 'r',
      });
    record('40 days old');
    clock.now = T0 + 10 * DAY;
    record('30 days old');
    clock.now = T0 + 39 * DAY;
    record('1 day old');
    clock.now = T0 + 40 * DAY;
    expect(store.pruneUnanswered(30)).toBe(1);
    const left = store.stats('g1', 365).unanswered.map((row) => row.text);
    expect(left.sort()).toEqual(['1 day old', '30 days old']);
  });

  it('returns 0 when nothing is old enough', () => {
    // A daily prune on a young database deletes nothing.
    const store = open();
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      messageId: 'm',
      text: 't',
      reason: 'r',
    });
    expect(store.pruneUnanswered(30)).toBe(0);
  });
});

describe('votes', () => {
  it('stores one vote per user per answer, the second vote replacing the first', () => {
    // A user who clicks "solved" and then "not helpful" counts once, as "not helpful".
    const store = open();
    const id = store.recordAnswer(answer());
    store.setAnswerMessage(id, 'reply-1');
    store.vote('reply-1', 'u1', 'solved');
    store.vote('reply-1', 'u1', 'not-helpful');
    expect(store.stats('g1', 7).feedback).toEqual([
      { intent: 'error-401-unauthorized', vote: 'not-helpful', count: 1 },
    ]);
  });

  it('counts votes of different users separately', () => {
    // Two people marking the same answer as solved count twice.
    const store = open();
    const id = store.recordAnswer(answer());
    store.setAnswerMessage(id, 'reply-1');
    store.vote('reply-1', 'u1', 'solved');
    store.vote('reply-1', 'u2', 'solved');
    expect(store.stats('g1', 7).feedback).toEqual([
      { intent: 'error-401-unauthorized', vote: 'solved', count: 2 },
    ]);
  });
});

describe('stats', () => {
  it('groups answers per intent and kind, most frequent first', () => {
    // /stats shows moderators which entries answer most often.
    const store = open();
    store.recordAnswer(answer({ intent: 'error-429-rate-limit' }));
    store.recordAnswer(answer({ intent: 'error-429-rate-limit' }));
    store.recordAnswer(answer({ intent: 'error-429-rate-limit', kind: 'followup' }));
    store.recordAnswer(answer({ intent: 'error-401-unauthorized' }));
    store.recordAnswer(answer({ intent: 'error-429-rate-limit' }));
    const rows = store.stats('g1', 7).answers;
    expect(rows[0]).toEqual({ intent: 'error-429-rate-limit', kind: 'answer', count: 3 });
    expect(rows).toHaveLength(3);
    expect(rows).toContainEqual({ intent: 'error-429-rate-limit', kind: 'followup', count: 1 });
    expect(rows).toContainEqual({ intent: 'error-401-unauthorized', kind: 'answer', count: 1 });
  });

  it('counts only answers inside the requested number of days', () => {
    // "/stats 7" does not include last month's answers.
    const clock = { now: T0 };
    const store = open(clock);
    store.recordAnswer(answer({ intent: 'old-intent' }));
    clock.now = T0 + 20 * DAY;
    store.recordAnswer(answer({ intent: 'new-intent' }));
    expect(store.stats('g1', 7).answers).toEqual([{ intent: 'new-intent', kind: 'answer', count: 1 }]);
  });

  it('lists unanswered questions newest first with their reason', () => {
    // Moderators review what the bot stayed silent on, latest first, to write new entries.
    const clock = { now: T0 };
    const store = open(clock);
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      messageId: 'm1',
      text: 'older',
      reason: 'low confidence',
      topIntent: 'free-models',
      confidence: 0.4,
    });
    clock.now = T0 + 1000;
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      messageId: 'm2',
      text: 'newer',
      reason: 'x',
    });
    expect(store.stats('g1', 7).unanswered).toEqual([
      { text: 'newer', reason: 'x', topIntent: null, confidence: null, createdAt: T0 + 1000 },
      { text: 'older', reason: 'low confidence', topIntent: 'free-models', confidence: 0.4, createdAt: T0 },
    ]);
  });
});

describe('the read-only stats reader', () => {
  it('reads what the store wrote and offers nothing that writes', () => {
    const store = open();
    store.recordAnswer(answer());
    store.close();
    const reader = openStatsReader(file, () => T0);
    try {
      expect(reader.stats('g1', 7).answers).toEqual([
        { intent: 'error-401-unauthorized', kind: 'answer', count: 1 },
      ]);
      // It offers reading only: no way to mute, record or prune through it.
      expect(Object.keys(reader).sort()).toEqual(['close', 'guildsWithActivity', 'stats']);
    } finally {
      reader.close();
    }
  });

  it('says there is no database yet instead of creating one', () => {
    expect(() => openStatsReader(file)).toThrow(/No database at .* yet/);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a database written by a newer version of the bot', () => {
    open().close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStatsReader(file)).toThrow(/schema version 99, newer than this code .*update the code/);
  });
});
