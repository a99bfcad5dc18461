// Taught examples: what moderators told the bot from Discord ("Answer with…", "Shouldn't answer",
// "Wrong entry"), and the review queue they work from. The texts are the only user text kept beyond
// the unanswered retention, so they are stored with keys redacted and leave the database when a
// moderator untrains them or `npm run kb:export-taught` writes them into the knowledge files.
import type Database from 'better-sqlite3';
import type { LabeledText } from '../classifier/classifier.ts';
import type { TaughtKind } from '../knowledge/export-taught.ts';
import { redactKeys } from '../safety/leaked-keys.ts';

/** Appended to the store's migration list (forward-only). */
export const TAUGHT_MIGRATION = `
  CREATE TABLE taught_examples (
    id INTEGER PRIMARY KEY,
    guild_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('example', 'negative', 'not-entry')),
    entry TEXT NOT NULL,
    text TEXT,
    moderator_id TEXT NOT NULL,
    source_message_id TEXT,
    source_link TEXT,
    created_at INTEGER NOT NULL,
    exported_at INTEGER
  );
  CREATE INDEX taught_guild ON taught_examples (guild_id, created_at);
  ALTER TABLE unanswered ADD COLUMN reviewed_at INTEGER;
  ALTER TABLE answers ADD COLUMN reviewed_at INTEGER;`;

export type { TaughtKind };

export interface TeachInput {
  guildId: string;
  kind: TaughtKind;
  entry: string;
  text: string;
  moderatorId: string;
  sourceMessageId?: string;
  sourceLink?: string;
}

export interface TaughtExample {
  id: number;
  guildId: string;
  kind: TaughtKind;
  entry: string;
  /** Null once exported into the knowledge files. */
  text: string | null;
  moderatorId: string;
  sourceLink: string | null;
  createdAt: number;
  exportedAt: number | null;
}

export interface ReviewUnanswered {
  /** The newest unanswered row of the group: the message "Answer with…" replies to. */
  id: number;
  channelId: string;
  messageId: string;
  text: string;
  count: number;
  lastAt: number;
}

export interface ReviewNotHelpful {
  id: number;
  channelId: string;
  answerMessageId: string;
  intent: string;
  votes: number;
}

/** A taught text is capped like an unanswered one: enough to learn from, not a whole log. */
const TEXT_LIMIT = 1000;

const COLUMNS = `id, guild_id AS guildId, kind, entry, text, moderator_id AS moderatorId,
  source_link AS sourceLink, created_at AS createdAt, exported_at AS exportedAt`;

/** What a taught example teaches the classifier. */
export function asTraining(example: {
  kind: TaughtKind;
  entry: string;
  text: string;
  guildId?: string;
}): LabeledText {
  const { text, entry, guildId } = example;
  if (example.kind === 'example') return { text, intent: entry, guildId };
  // "No answer", and which entry it had been given: the classifier decides what that teaches.
  if (example.kind === 'negative') return { text, intent: 'none', notIntent: entry, guildId };
  return { text, notIntent: entry, guildId };
}

export function taughtQueries(db: Database.Database, now: () => number) {
  const statements = {
    insert: db.prepare(
      `INSERT INTO taught_examples (guild_id, kind, entry, text, moderator_id, source_message_id, source_link, created_at)
       VALUES (@guildId, @kind, @entry, @text, @moderatorId, @sourceMessageId, @sourceLink, @createdAt)`,
    ),
    list: db.prepare(
      `SELECT ${COLUMNS} FROM taught_examples WHERE guild_id = ? AND (? IS NULL OR entry = ?)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    remove: db.prepare('DELETE FROM taught_examples WHERE guild_id = ? AND id = ?'),
    training: db.prepare(
      'SELECT kind, entry, text, guild_id AS guildId FROM taught_examples WHERE text IS NOT NULL ORDER BY id',
    ),
    pending: db.prepare(`SELECT ${COLUMNS} FROM taught_examples WHERE exported_at IS NULL ORDER BY id`),
    markExported: db.prepare(
      'UPDATE taught_examples SET exported_at = ?, text = NULL WHERE id = ? AND exported_at IS NULL',
    ),
    unansweredGroups: db.prepare(
      `SELECT id, channel_id AS channelId, message_id AS messageId, text, COUNT(*) AS count,
         MAX(created_at) AS lastAt
       FROM unanswered WHERE guild_id = ? AND reviewed_at IS NULL
       GROUP BY lower(trim(text)) ORDER BY count DESC, lastAt DESC LIMIT ?`,
    ),
    unansweredById: db.prepare(
      'SELECT id, channel_id AS channelId, message_id AS messageId, text FROM unanswered WHERE guild_id = ? AND id = ?',
    ),
    reviewUnanswered: db.prepare(
      `UPDATE unanswered SET reviewed_at = ? WHERE guild_id = ? AND reviewed_at IS NULL
         AND lower(trim(text)) IN (SELECT lower(trim(text)) FROM unanswered WHERE guild_id = ? AND message_id = ?)`,
    ),
    notHelpful: db.prepare(
      `SELECT a.id AS id, a.channel_id AS channelId, a.answer_message_id AS answerMessageId,
         a.intent AS intent, COUNT(*) AS votes
       FROM answers a JOIN feedback f ON f.answer_message_id = a.answer_message_id
       WHERE a.guild_id = ? AND f.vote = 'not-helpful' AND a.reviewed_at IS NULL AND a.removed_at IS NULL
       GROUP BY a.id ORDER BY votes DESC, a.created_at DESC LIMIT ?`,
    ),
    answerById: db.prepare(
      'SELECT id, channel_id AS channelId, answer_message_id AS answerMessageId, intent FROM answers WHERE guild_id = ? AND id = ?',
    ),
    reviewAnswer: db.prepare('UPDATE answers SET reviewed_at = ? WHERE guild_id = ? AND id = ?'),
  };

  return {
    /** Stores one taught example (keys redacted, quotes and length trimmed); returns its id. */
    teach(input: TeachInput): number {
      const text = redactKeys(input.text).trim().slice(0, TEXT_LIMIT);
      if (!text) throw new Error('nothing to teach: the message has no text');
      return Number(
        statements.insert.run({
          sourceMessageId: null,
          sourceLink: null,
          ...input,
          text,
          createdAt: now(),
        }).lastInsertRowid,
      );
    },
    /** One server's taught examples, newest first; `entry` narrows to one entry. */
    list: (guildId: string, entry?: string, limit = 20) =>
      statements.list.all(guildId, entry ?? null, entry ?? null, limit) as TaughtExample[],
    /** Forgets a taught example of this server (text and all); false if there is none. */
    untrain: (guildId: string, id: number) => statements.remove.run(guildId, id).changes > 0,
    /** Every server's taught texts still in the database: the classifier learns from them. */
    trainingTexts: (): LabeledText[] =>
      (statements.training.all() as { kind: TaughtKind; entry: string; text: string; guildId: string }[]).map(
        asTraining,
      ),
    /** Taught examples not yet written into the knowledge files. */
    pendingExport: () => statements.pending.all() as TaughtExample[],
    /** Written into the files: keep the record, drop the text. */
    markExported: (ids: number[]) =>
      db.transaction(() => ids.filter((id) => statements.markExported.run(now(), id).changes > 0).length)(),
    review: (guildId: string, limit = 5) => ({
      unanswered: statements.unansweredGroups.all(guildId, limit) as ReviewUnanswered[],
      notHelpful: statements.notHelpful.all(guildId, limit) as ReviewNotHelpful[],
    }),
    unansweredById: (guildId: string, id: number) =>
      statements.unansweredById.get(guildId, id) as
        | { id: number; channelId: string; messageId: string; text: string }
        | undefined,
    answerById: (guildId: string, id: number) =>
      statements.answerById.get(guildId, id) as
        | { id: number; channelId: string; answerMessageId: string | null; intent: string }
        | undefined,
    /** Takes an unanswered question (and its repeats: the same text) off the review queue. */
    markUnansweredReviewed: (guildId: string, messageId: string) =>
      statements.reviewUnanswered.run(now(), guildId, guildId, messageId).changes > 0,
    /** Takes a "Not helpful" answer off the review queue. */
    markAnswerReviewed: (guildId: string, id: number) =>
      statements.reviewAnswer.run(now(), guildId, id).changes > 0,
  };
}

export type TaughtStore = ReturnType<typeof taughtQueries>;
