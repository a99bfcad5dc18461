// The one module that owns SQLite. Forward-only migrations, WAL, prepared statements, ids as TEXT
// (Discord snowflakes exceed JavaScript's safe integers).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TAUGHT_MIGRATION, taughtQueries } from './taught.ts';

const MIGRATIONS: string[] = [
  `CREATE TABLE mutes (
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     muted_at INTEGER NOT NULL,
     PRIMARY KEY (guild_id, user_id)
   );
   CREATE TABLE answers (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     conversation_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     question_message_id TEXT NOT NULL,
     answer_message_id TEXT,
     intent TEXT NOT NULL,
     kind TEXT NOT NULL,
     confidence REAL,
     decided_by TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX answers_created ON answers (created_at);
   CREATE INDEX answers_question ON answers (question_message_id);
   CREATE TABLE unanswered (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     text TEXT NOT NULL,
     top_intent TEXT,
     confidence REAL,
     reason TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX unanswered_created ON unanswered (created_at);
   CREATE TABLE feedback (
     answer_message_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     vote TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (answer_message_id, user_id)
   );
   CREATE TABLE paused_channels (
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     paused_at INTEGER NOT NULL,
     PRIMARY KEY (guild_id, channel_id)
   );`,
  // 2: answers taken down again (dismissed by the asker or a moderator, or removed with their
  // question), so moderators see which answers people did not want.
  `ALTER TABLE answers ADD COLUMN removed_at INTEGER;
   ALTER TABLE answers ADD COLUMN removed_reason TEXT;
   CREATE INDEX answers_answer_message ON answers (answer_message_id);`,
  // 3: examples moderators taught from Discord, and the review queue's "done" marks.
  TAUGHT_MIGRATION,
];

export interface AnswerRecord {
  guildId: string;
  channelId: string;
  conversationId: string;
  userId: string;
  questionMessageId: string;
  answerMessageId?: string;
  intent: string;
  kind: string;
  confidence?: number;
  decidedBy: string;
}

export interface UnansweredRecord {
  guildId: string;
  channelId: string;
  userId: string;
  messageId: string;
  text: string;
  topIntent?: string;
  confidence?: number;
  reason: string;
}

export type Vote = 'solved' | 'not-helpful';

/** Why an answer was deleted again. */
export type RemovedReason = 'dismissed' | 'question deleted';

export type Store = ReturnType<typeof openStore>;
export type Stats = ReturnType<Store['stats']>;

export function openStore(file: string, now: () => number = Date.now) {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a mute acknowledged in the channel must survive a power cut, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const statements = {
    isMuted: db.prepare('SELECT 1 FROM mutes WHERE guild_id = ? AND user_id = ?'),
    mute: db.prepare('INSERT OR IGNORE INTO mutes (guild_id, user_id, muted_at) VALUES (?, ?, ?)'),
    unmute: db.prepare('DELETE FROM mutes WHERE guild_id = ? AND user_id = ?'),
    isPaused: db.prepare('SELECT 1 FROM paused_channels WHERE guild_id = ? AND channel_id = ?'),
    pause: db.prepare(
      'INSERT OR IGNORE INTO paused_channels (guild_id, channel_id, paused_at) VALUES (?, ?, ?)',
    ),
    resume: db.prepare('DELETE FROM paused_channels WHERE guild_id = ? AND channel_id = ?'),
    recordAnswer: db.prepare(
      `INSERT INTO answers (guild_id, channel_id, conversation_id, user_id, question_message_id,
         answer_message_id, intent, kind, confidence, decided_by, created_at)
       VALUES (@guildId, @channelId, @conversationId, @userId, @questionMessageId, @answerMessageId,
         @intent, @kind, @confidence, @decidedBy, @createdAt)`,
    ),
    setAnswerMessage: db.prepare('UPDATE answers SET answer_message_id = ? WHERE id = ?'),
    answerForMessage: db.prepare(
      'SELECT id, user_id AS userId, intent, question_message_id AS questionMessageId, answer_message_id AS answerMessageId, created_at AS createdAt FROM answers WHERE answer_message_id = ?',
    ),
    answersForQuestion: db.prepare(
      'SELECT answer_message_id AS answerMessageId, channel_id AS channelId, created_at AS createdAt FROM answers WHERE question_message_id = ? AND answer_message_id IS NOT NULL',
    ),
    recordUnanswered: db.prepare(
      `INSERT INTO unanswered (guild_id, channel_id, user_id, message_id, text, top_intent, confidence, reason, created_at)
       VALUES (@guildId, @channelId, @userId, @messageId, @text, @topIntent, @confidence, @reason, @createdAt)`,
    ),
    deleteUnansweredBefore: db.prepare('DELETE FROM unanswered WHERE created_at < ?'),
    voteOf: db.prepare('SELECT vote FROM feedback WHERE answer_message_id = ? AND user_id = ?'),
    markRemoved: db.prepare(
      'UPDATE answers SET removed_at = ?, removed_reason = ? WHERE answer_message_id = ? AND removed_at IS NULL',
    ),
    removedPerIntent: db.prepare(
      'SELECT intent, removed_reason AS reason, COUNT(*) AS count FROM answers WHERE removed_at >= ? GROUP BY intent, removed_reason ORDER BY count DESC',
    ),
    vote: db.prepare(
      `INSERT INTO feedback (answer_message_id, user_id, vote, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (answer_message_id, user_id) DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at`,
    ),
    answersPerIntent: db.prepare(
      'SELECT intent, kind, COUNT(*) AS count FROM answers WHERE created_at >= ? GROUP BY intent, kind ORDER BY count DESC',
    ),
    feedbackPerIntent: db.prepare(
      `SELECT a.intent AS intent, f.vote AS vote, COUNT(*) AS count FROM feedback f
       JOIN answers a ON a.answer_message_id = f.answer_message_id
       WHERE f.created_at >= ? GROUP BY a.intent, f.vote ORDER BY count DESC`,
    ),
    unansweredSince: db.prepare(
      'SELECT text, reason, top_intent AS topIntent, confidence, created_at AS createdAt FROM unanswered WHERE created_at >= ? ORDER BY created_at DESC',
    ),
  };

  return {
    isMuted: (guildId: string, userId: string) => Boolean(statements.isMuted.get(guildId, userId)),
    /** Returns false when the user was already muted. */
    mute: (guildId: string, userId: string) => statements.mute.run(guildId, userId, now()).changes > 0,
    /** Returns false when the user was not muted. */
    unmute: (guildId: string, userId: string) => statements.unmute.run(guildId, userId).changes > 0,
    isPaused: (guildId: string, channelId: string) => Boolean(statements.isPaused.get(guildId, channelId)),
    pause: (guildId: string, channelId: string) =>
      statements.pause.run(guildId, channelId, now()).changes > 0,
    resume: (guildId: string, channelId: string) => statements.resume.run(guildId, channelId).changes > 0,
    recordAnswer: (record: AnswerRecord): number =>
      Number(
        statements.recordAnswer.run({
          answerMessageId: null,
          confidence: null,
          ...record,
          createdAt: now(),
        }).lastInsertRowid,
      ),
    setAnswerMessage: (answerId: number, messageId: string) => {
      statements.setAnswerMessage.run(messageId, answerId);
    },
    answerForMessage: (answerMessageId: string) =>
      statements.answerForMessage.get(answerMessageId) as
        | {
            id: number;
            userId: string;
            intent: string;
            questionMessageId: string;
            answerMessageId: string;
            createdAt: number;
          }
        | undefined,
    answersForQuestion: (questionMessageId: string) =>
      statements.answersForQuestion.all(questionMessageId) as {
        answerMessageId: string;
        channelId: string;
        createdAt: number;
      }[],
    recordUnanswered: (record: UnansweredRecord) => {
      statements.recordUnanswered.run({ topIntent: null, confidence: null, ...record, createdAt: now() });
    },
    /** Deletes unanswered questions older than the retention period; returns how many. */
    pruneUnanswered: (retentionDays: number) =>
      statements.deleteUnansweredBefore.run(now() - retentionDays * 86_400_000).changes,
    /** One vote per user per answer: a second vote replaces the first. Says what changed. */
    vote: (answerMessageId: string, userId: string, vote: Vote): 'recorded' | 'changed' | 'unchanged' =>
      db.transaction(() => {
        const before = statements.voteOf.get(answerMessageId, userId) as { vote: string } | undefined;
        if (before?.vote === vote) return 'unchanged' as const;
        statements.vote.run(answerMessageId, userId, vote, now());
        return before ? ('changed' as const) : ('recorded' as const);
      })(),
    /** Notes that an answer message was deleted again; false if unknown or already noted. */
    markRemoved: (answerMessageId: string, reason: RemovedReason) =>
      statements.markRemoved.run(now(), reason, answerMessageId).changes > 0,
    stats: (days: number) => {
      const since = now() - days * 86_400_000;
      return {
        answers: statements.answersPerIntent.all(since) as { intent: string; kind: string; count: number }[],
        feedback: statements.feedbackPerIntent.all(since) as {
          intent: string;
          vote: string;
          count: number;
        }[],
        removed: statements.removedPerIntent.all(since) as {
          intent: string;
          reason: RemovedReason;
          count: number;
        }[],
        unanswered: statements.unansweredSince.all(since) as {
          text: string;
          reason: string;
          topIntent: string | null;
          confidence: number | null;
          createdAt: number;
        }[],
      };
    },
    /** Taught examples and the review queue (src/store/taught.ts). */
    taught: taughtQueries(db, now),
    close: () => db.close(),
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this bot (${MIGRATIONS.length}); upgrade the bot`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
