import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTextCommand, decideTextCommand, MUTE_REPLIES, setMuted } from '../../src/pipeline/commands.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';
import { openStore, type Store } from '../../src/store/store.ts';

let store: Store;

beforeEach(() => {
  store = openStore(':memory:', () => 0);
});

afterEach(() => {
  store.close();
});

function say(content: string, userId = 'u1'): IncomingMessage {
  return {
    id: `m-${content}`,
    guildId: 'g1',
    channelId: 'c1',
    channelName: 'sillytavern',
    author: { id: userId, displayName: 'Mira', isBot: false, roles: [] },
    content,
    attachments: [],
    createdAt: 0,
  };
}

/** Decides and applies a text command, as the pipeline's decide and commit do. */
function handleTextCommand(message: IncomingMessage, store: Store) {
  const decision = decideTextCommand(message, store);
  if (decision) applyTextCommand(store, message, decision);
  return decision;
}

describe('text commands', () => {
  it('mutes the author on !mute and confirms it', () => {
    // "!mute" gets "Okay, I won't respond..." and the bot ignores that user from now on.
    const outcome = handleTextCommand(say('!mute'), store);
    expect(outcome).toMatchObject({ kind: 'command', reason: 'command: !mute', reply: MUTE_REPLIES.muted });
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('accepts !MUTE in capitals', () => {
    // Caps lock does not stop someone from opting out.
    expect(handleTextCommand(say('!MUTE'), store)?.reply).toBe(MUTE_REPLIES.muted);
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('accepts !mute with spaces and a newline around it', () => {
    // "  !mute  " typed with stray spaces still works.
    expect(handleTextCommand(say('  !mute \n'), store)?.reply).toBe(MUTE_REPLIES.muted);
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('answers a repeated !mute with "already muted" and changes nothing', () => {
    // Typing !mute twice is harmless and says so.
    handleTextCommand(say('!mute'), store);
    expect(handleTextCommand(say('!mute'), store)?.reply).toBe(MUTE_REPLIES.alreadyMuted);
    expect(store.isMuted('g1', 'u1')).toBe(true);
  });

  it('unmutes the author on !unmute and confirms it', () => {
    // "!unmute" gets "Okay, I'll respond to your questions again".
    handleTextCommand(say('!mute'), store);
    expect(handleTextCommand(say('!Unmute'), store)).toMatchObject({
      kind: 'command',
      reason: 'command: !unmute',
      reply: MUTE_REPLIES.unmuted,
    });
    expect(store.isMuted('g1', 'u1')).toBe(false);
  });

  it('answers !unmute without a mute with "you weren\'t muted"', () => {
    // A user who never muted the bot is told nothing changed.
    expect(handleTextCommand(say('!unmute'), store)?.reply).toBe(MUTE_REPLIES.notMuted);
  });

  it('mutes only the author', () => {
    // One user's !mute never silences the bot for anybody else.
    handleTextCommand(say('!mute', 'u1'), store);
    expect(store.isMuted('g1', 'u2')).toBe(false);
  });

  it.each(['!muted', 'please !mute', '!mute me', '!unmuted', 'mute', 'why is the bot not !muting'])(
    'ignores %j',
    (content) => {
      // Messages that merely contain the word are not commands and change nothing.
      expect(handleTextCommand(say(content), store)).toBeUndefined();
      expect(store.isMuted('g1', 'u1')).toBe(false);
    },
  );
});

describe('setMuted', () => {
  it('gives the same replies for the slash command form', () => {
    // /mute and /unmute say exactly what !mute and !unmute say.
    expect(setMuted(store, 'g1', 'u1', true)).toBe(MUTE_REPLIES.muted);
    expect(setMuted(store, 'g1', 'u1', true)).toBe(MUTE_REPLIES.alreadyMuted);
    expect(setMuted(store, 'g1', 'u1', false)).toBe(MUTE_REPLIES.unmuted);
    expect(setMuted(store, 'g1', 'u1', false)).toBe(MUTE_REPLIES.notMuted);
  });
});
