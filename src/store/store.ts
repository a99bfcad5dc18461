// The one module that owns SQLite. Forward-only migrations, WAL, prepared statements, ids as TEXT
// (Discord snowflakes exceed JavaScript's safe integers).
import { existsSync, mkdirSync } from 'node:fs';
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
  // 3: exchanges. A follow-up or hand-over belongs to the answer it follows (exchange_id = that
  // answer's id; NULL on the answer itself), so a reply to the bot's answer finds its exchange at
  // any age and across restarts, and a hand-over closes only that exchange.
  `ALTER TABLE answers ADD COLUMN exchange_id INTEGER;
   ALTER TABLE answers ADD COLUMN section TEXT;
   CREATE INDEX answers_exchange ON answers (exchange_id);
   CREATE INDEX answers_conversation ON answers (conversation_id, user_id, id);`,
  // 4: examples moderators taught from Discord, and the review queue's "done" marks.
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
  /** For a follow-up or hand-over: the id of the answer it follows. */
  exchangeId?: number;
  /** For a follow-up: the section sent (why, fix). */
  section?: string;
}

/** One answer and what followed it, as the bot sent it. */
export interface Exchange {
  /** The answer's record id. */
  id: number;
  guildId: string;
  conversationId: string;
  userId: string;
  intent: string;
  /** When the last message of the exchange was sent. */
  lastAt: number;
  sectionsSent: string[];
  handedOver: boolean;
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
export type StatsReader = ReturnType<typeof openStatsReader>;
export type Stats = ReturnType<StatsReader['stats']>;

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

  const reports = statsQueries(db, now);
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
         answer_message_id, intent, kind, confidence, decided_by, created_at, exchange_id, section)
       VALUES (@guildId, @channelId, @conversationId, @userId, @questionMessageId, @answerMessageId,
         @intent, @kind, @confidence, @decidedBy, @createdAt, @exchangeId, @section)`,
    ),
    exchangeRootOfMessage: db.prepare(
      'SELECT COALESCE(exchange_id, id) AS root FROM answers WHERE answer_message_id = ? AND guild_id = ?',
    ),
    latestExchangeRoot: db.prepare(
      `SELECT COALESCE(exchange_id, id) AS root FROM answers
       WHERE guild_id = ? AND conversation_id = ? AND user_id = ?
       ORDER BY id DESC LIMIT 1`,
    ),
    exchangeRows: db.prepare(
      `SELECT id, guild_id AS guildId, conversation_id AS conversationId, user_id AS userId, intent, kind,
         section, created_at AS createdAt FROM answers WHERE id = ? OR exchange_id = ? ORDER BY id`,
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
    forgetUnanswered: db.prepare('DELETE FROM unanswered WHERE guild_id = ? AND message_id = ?'),
    // Votes go with their answer, so that no user id outlives the retention period.
    deleteVotesBefore: db.prepare(
      `DELETE FROM feedback WHERE created_at < @before OR answer_message_id IN
         (SELECT answer_message_id FROM answers WHERE created_at < @before AND answer_message_id IS NOT NULL)`,
    ),
    deleteAnswersBefore: db.prepare('DELETE FROM answers WHERE created_at < ?'),
    voteOf: db.prepare('SELECT vote FROM feedback WHERE answer_message_id = ? AND user_id = ?'),
    markRemoved: db.prepare(
      'UPDATE answers SET removed_at = ?, removed_reason = ? WHERE answer_message_id = ? AND removed_at IS NULL',
    ),
    vote: db.prepare(
      `INSERT INTO feedback (answer_message_id, user_id, vote, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (answer_message_id, user_id) DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at`,
    ),
  };

  function exchangeById(root: number): Exchange | undefined {
    const rows = statements.exchangeRows.all(root, root) as {
      id: number;
      guildId: string;
      conversationId: string;
      userId: string;
      intent: string;
      kind: string;
      section: string | null;
      createdAt: number;
    }[];
    const first = rows[0];
    if (!first) return undefined;
    return {
      id: first.id,
      guildId: first.guildId,
      conversationId: first.conversationId,
      userId: first.userId,
      intent: first.intent,
      lastAt: rows[rows.length - 1]?.createdAt ?? first.createdAt,
      sectionsSent: rows.flatMap((r) => (r.section ? [r.section] : [])),
      handedOver: rows.some((r) => r.kind === 'handover'),
    };
  }

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
          exchangeId: null,
          section: null,
          ...record,
          createdAt: now(),
        }).lastInsertRowid,
      ),
    /** The exchange a bot message (answer, follow-up or hand-over) belongs to, in this server. */
    exchangeOfMessage: (guildId: string, answerMessageId: string): Exchange | undefined => {
      const row = statements.exchangeRootOfMessage.get(answerMessageId, guildId) as
        | { root: number }
        | undefined;
      return row ? exchangeById(row.root) : undefined;
    },
    /** The user's latest exchange in a conversation (a thread, or a channel), at any age. */
    latestExchange: (guildId: string, conversationId: string, userId: string): Exchange | undefined => {
      const row = statements.latestExchangeRoot.get(guildId, conversationId, userId) as
        | { root: number }
        | undefined;
      return row ? exchangeById(row.root) : undefined;
    },
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
    /** A message that was answered after all (the first part of a split question) leaves the queue. */
    forgetUnanswered: (guildId: string, messageId: string) => {
      statements.forgetUnanswered.run(guildId, messageId);
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
    /** Deletes answers and votes older than the retention period; returns how many of each. */
    pruneAnswers: (retentionDays: number) =>
      db.transaction(() => {
        const before = now() - retentionDays * 86_400_000;
        const votes = statements.deleteVotesBefore.run({ before }).changes;
        const answers = statements.deleteAnswersBefore.run(before).changes;
        return { answers, votes };
      })(),
    ...reports,
    /** Taught examples and the review queue (src/store/taught.ts). */
    taught: taughtQueries(db, now),
    close: () => db.close(),
  };
}

/**
 * The database opened read-only, for reports: nothing is written and nothing is migrated, so a
 * report can run beside the bot. Fails with a sentence when the file is missing or its schema is
 * not the one this code reads.
 */
export function openStatsReader(file: string, now: () => number = Date.now) {
  if (!existsSync(file)) {
    throw new Error(`No database at ${file} yet: the bot records answers there once it runs (npm start).`);
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS.length) {
      throw new Error(
        version < MIGRATIONS.length
          ? `The database at ${file} has schema version ${version}, older than this code (${MIGRATIONS.length}): start the bot once (npm start) to upgrade it.`
          : `The database at ${file} has schema version ${version}, newer than this code (${MIGRATIONS.length}): update the code.`,
      );
    }
    return { ...statsQueries(db, now), close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * What moderators read, always for one server: a moderator of one server must never see another
 * server's questions. Votes carry no server id, so they are counted through their answer.
 */
function statsQueries(db: Database.Database, now: () => number) {
  const statements = {
    answersPerIntent: db.prepare(
      'SELECT intent, kind, COUNT(*) AS count FROM answers WHERE guild_id = ? AND created_at >= ? GROUP BY intent, kind ORDER BY count DESC',
    ),
    feedbackPerIntent: db.prepare(
      `SELECT a.intent AS intent, f.vote AS vote, COUNT(*) AS count FROM feedback f
       JOIN answers a ON a.answer_message_id = f.answer_message_id
       WHERE a.guild_id = ? AND f.created_at >= ? GROUP BY a.intent, f.vote ORDER BY count DESC`,
    ),
    removedPerIntent: db.prepare(
      'SELECT intent, removed_reason AS reason, COUNT(*) AS count FROM answers WHERE guild_id = ? AND removed_at >= ? GROUP BY intent, removed_reason ORDER BY count DESC',
    ),
    unansweredSince: db.prepare(
      'SELECT text, reason, top_intent AS topIntent, confidence, created_at AS createdAt FROM unanswered WHERE guild_id = ? AND created_at >= ? ORDER BY created_at DESC',
    ),
    guildsSince: db.prepare(
      `SELECT guild_id AS guildId FROM answers WHERE created_at >= @since
       UNION SELECT guild_id FROM unanswered WHERE created_at >= @since ORDER BY guildId`,
    ),
  };
  return {
    /** One server's answers, feedback, removed answers and unanswered questions of the last `days`. */
    stats: (guildId: string, days: number) => {
      const since = now() - days * 86_400_000;
      return {
        answers: statements.answersPerIntent.all(guildId, since) as {
          intent: string;
          kind: string;
          count: number;
        }[],
        feedback: statements.feedbackPerIntent.all(guildId, since) as {
          intent: string;
          vote: string;
          count: number;
        }[],
        removed: statements.removedPerIntent.all(guildId, since) as {
          intent: string;
          reason: RemovedReason;
          count: number;
        }[],
        unanswered: statements.unansweredSince.all(guildId, since) as {
          text: string;
          reason: string;
          topIntent: string | null;
          confidence: number | null;
          createdAt: number;
        }[],
      };
    },
    /** The servers with answers or unanswered questions in the last `days`, for the terminal report. */
    guildsWithActivity: (days: number) =>
      (statements.guildsSince.all({ since: now() - days * 86_400_000 }) as { guildId: string }[]).map(
        (row) => row.guildId,
      ),
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
