// A moderator reads only their own server's data: answers, votes, dismissed answers and the
// unanswered questions (which hold what users wrote) of another server never show up.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStatsReader, openStore, type Store } from '../../src/store/store.ts';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
});

function storeFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'guilds-')), 'bot.sqlite');
}

/** One server's week: an answer with a vote, a dismissed answer and an unanswered question. */
function activity(store: Store, guildId: string, intent: string, question: string): void {
  const answered = store.recordAnswer({
    guildId,
    channelId: `${guildId}-help`,
    conversationId: `${guildId}-help`,
    userId: `${guildId}-asker`,
    questionMessageId: `${guildId}-q1`,
    intent,
    kind: 'answer',
    decidedBy: 'local classifier',
  });
  store.setAnswerMessage(answered, `${guildId}-a1`);
  store.vote(`${guildId}-a1`, `${guildId}-asker`, 'solved');
  const dismissed = store.recordAnswer({
    guildId,
    channelId: `${guildId}-help`,
    conversationId: `${guildId}-help`,
    userId: `${guildId}-asker`,
    questionMessageId: `${guildId}-q2`,
    intent,
    kind: 'answer',
    decidedBy: 'local classifier',
  });
  store.setAnswerMessage(dismissed, `${guildId}-a2`);
  store.markRemoved(`${guildId}-a2`, 'dismissed');
  store.recordUnanswered({
    guildId,
    channelId: `${guildId}-help`,
    userId: `${guildId}-asker`,
    messageId: `${guildId}-q3`,
    text: question,
    reason: 'silent: low confidence',
  });
}

function twoServers(): { file: string; store: Store } {
  const file = storeFile();
  const store = openStore(file);
  opened.push(store);
  activity(store, 'server-a', 'error-401-unauthorized', 'where does server A keep its presets?');
  activity(store, 'server-b', 'error-429-rate-limit', 'a private question from server B');
  return { file, store };
}

describe('two servers in one database', () => {
  it("shows server A's moderators only server A's answers, votes, dismissals and questions", () => {
    const { store } = twoServers();
    expect(store.stats('server-a', 7)).toEqual({
      answers: [{ intent: 'error-401-unauthorized', kind: 'answer', count: 2 }],
      feedback: [{ intent: 'error-401-unauthorized', vote: 'solved', count: 1 }],
      removed: [{ intent: 'error-401-unauthorized', reason: 'dismissed', count: 1 }],
      unanswered: [expect.objectContaining({ text: 'where does server A keep its presets?' })],
    });
  });

  it("shows server B's moderators only server B's data", () => {
    const { store } = twoServers();
    const stats = store.stats('server-b', 7);
    expect(JSON.stringify(stats)).not.toMatch(/server A|error-401/);
    expect(stats.unanswered.map((row) => row.text)).toEqual(['a private question from server B']);
  });

  it('shows a server the bot never answered in nothing at all', () => {
    const { store } = twoServers();
    expect(store.stats('server-c', 7)).toEqual({ answers: [], feedback: [], removed: [], unanswered: [] });
  });

  it('keeps the servers apart in the read-only reader the terminal report uses', () => {
    const { file, store } = twoServers();
    store.close();
    opened.pop();
    const reader = openStatsReader(file);
    opened.push(reader);
    expect(reader.guildsWithActivity(7)).toEqual(['server-a', 'server-b']);
    expect(reader.stats('server-a', 7).unanswered.map((row) => row.text)).toEqual([
      'where does server A keep its presets?',
    ]);
  });
});
