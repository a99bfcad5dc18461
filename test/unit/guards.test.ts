import { describe, expect, it } from 'vitest';
import { conversationOf, createRateLimits, isStaff, isSupportChannel } from '../../src/pipeline/guards.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';

const SUPPORT = ['sillytavern', '111111111111111111'];

function message(overrides: Partial<IncomingMessage> = {}, roles: string[] = []): IncomingMessage {
  return {
    id: 'm1',
    guildId: 'g1',
    channelId: '999999999999999999',
    channelName: 'general',
    author: { id: 'u1', displayName: 'Mira', isBot: false, roles },
    content: 'getting 401 from openrouter',
    attachments: [],
    createdAt: 0,
    ...overrides,
  };
}

describe('isSupportChannel', () => {
  it('accepts a message in a support channel given by name', () => {
    // A question in #sillytavern is the bot's business.
    expect(isSupportChannel(message({ channelName: 'sillytavern' }), SUPPORT)).toBe(true);
  });

  it('matches the channel name case-insensitively', () => {
    // A channel shown as #SillyTavern is the same support channel.
    expect(isSupportChannel(message({ channelName: 'SillyTavern' }), SUPPORT)).toBe(true);
  });

  it('accepts a message in a support channel given by id', () => {
    // Configuring the channel id keeps the bot there after a rename.
    expect(
      isSupportChannel(message({ channelId: '111111111111111111', channelName: 'renamed' }), SUPPORT),
    ).toBe(true);
  });

  it('accepts a thread whose parent is the support channel', () => {
    // A question in a thread started under #sillytavern is answered in that thread.
    const inThread = message({
      channelId: '222222222222222222',
      channelName: 'my 401 problem',
      threadId: '222222222222222222',
      parentChannelId: '333333333333333333',
      parentChannelName: 'sillytavern',
    });
    expect(isSupportChannel(inThread, SUPPORT)).toBe(true);
  });

  it('accepts a forum post whose parent forum is the support channel by id', () => {
    // A post in the support forum counts, whatever its title.
    const forumPost = message({
      channelId: '444444444444444444',
      channelName: 'help pls',
      threadId: '444444444444444444',
      parentChannelId: '111111111111111111',
      parentChannelName: 'help-forum',
    });
    expect(isSupportChannel(forumPost, SUPPORT)).toBe(true);
  });

  it('ignores a message in another channel', () => {
    // The bot stays silent in #general even when someone pastes an error there.
    expect(isSupportChannel(message(), SUPPORT)).toBe(false);
  });

  it('ignores a thread under another channel', () => {
    // A thread in #off-topic is not support just because its title mentions SillyTavern.
    const thread = message({
      channelName: 'sillytavern-memes',
      threadId: '999999999999999999',
      parentChannelId: '555555555555555555',
      parentChannelName: 'off-topic',
    });
    expect(isSupportChannel(thread, SUPPORT)).toBe(false);
  });
  it('ignores a thread under another channel even when the thread is titled like the support channel', () => {
    // A thread called "SillyTavern" in #general is not the support channel; the bot stays out of it.
    const thread = message({
      channelId: '666666666666666666',
      channelName: 'SillyTavern',
      threadId: '666666666666666666',
      parentChannelId: '555555555555555555',
      parentChannelName: 'general',
    });
    expect(isSupportChannel(thread, SUPPORT)).toBe(false);
  });
});

describe('isStaff', () => {
  it('recognises a staff role by name, case-insensitively', () => {
    // The bot leaves a Moderator's message alone.
    expect(isStaff(message({}, ['Moderator']), ['moderator'])).toBe(true);
  });

  it('recognises a staff role by id', () => {
    // A role id in STAFF_ROLES works even if the role is renamed.
    expect(isStaff(message({}, ['888888888888888888']), ['888888888888888888'])).toBe(true);
  });

  it('does not treat other roles as staff', () => {
    // A regular member asking for help is still answered.
    expect(isStaff(message({}, ['member', 'supporter']), ['moderator'])).toBe(false);
  });

  it('treats nobody as staff when no staff roles are configured', () => {
    // Without STAFF_ROLES the bot answers everyone.
    expect(isStaff(message({}, ['moderator']), [])).toBe(false);
  });
});

describe('conversationOf', () => {
  it('is the thread inside a thread and the channel outside', () => {
    // Follow-up memory in a thread does not leak into the parent channel.
    expect(conversationOf(message({ channelId: 't1', threadId: 't1', parentChannelId: 'c1' }))).toBe('t1');
    expect(conversationOf(message({ channelId: 'c1' }))).toBe('c1');
  });
});

describe('createRateLimits', () => {
  const T = 1_000_000;

  it('allows the first answer to a user', () => {
    // A new asker gets an answer right away.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 6 });
    expect(limits.check('u1', 'c1', T)).toBeUndefined();
  });

  it('holds back a second answer to the same user inside the cooldown', () => {
    // Someone posting three variations of a question in a row gets one answer, not three.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 6 });
    limits.note('u1', 'c1', T);
    expect(limits.check('u1', 'c1', T + 29_999)).toBe('silent: user cooldown');
  });

  it('answers the same user again once the cooldown is over', () => {
    // A new problem half a minute later is answered.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 6 });
    limits.note('u1', 'c1', T);
    expect(limits.check('u1', 'c1', T + 30_000)).toBeUndefined();
  });

  it('does not hold back other users during one user cooldown', () => {
    // Another member asking right after still gets an answer.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 6 });
    limits.note('u1', 'c1', T);
    expect(limits.check('u2', 'c1', T + 1000)).toBeUndefined();
  });

  it('has no cooldown when it is set to 0', () => {
    // USER_COOLDOWN_SECONDS=0 lets the bot answer the same user back to back.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 0, CHANNEL_MAX_ANSWERS_PER_MINUTE: 6 });
    limits.note('u1', 'c1', T);
    expect(limits.check('u1', 'c1', T)).toBeUndefined();
  });

  it('stops answering in a channel that reached its cap for the minute', () => {
    // During a provider outage the bot does not flood the channel with the same answer.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 3 });
    limits.note('u1', 'c1', T);
    limits.note('u2', 'c1', T + 1000);
    limits.note('u3', 'c1', T + 2000);
    expect(limits.check('u4', 'c1', T + 3000)).toBe('silent: channel answer cap reached');
  });

  it('answers in the channel again once the minute has passed', () => {
    // The cap is per rolling minute, not a permanent silence.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 3 });
    limits.note('u1', 'c1', T);
    limits.note('u2', 'c1', T + 1000);
    limits.note('u3', 'c1', T + 2000);
    expect(limits.check('u4', 'c1', T + 60_000)).toBeUndefined();
  });

  it('counts the cap per channel', () => {
    // A busy channel does not silence the bot in another support channel.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 1 });
    limits.note('u1', 'c1', T);
    expect(limits.check('u2', 'c1', T + 1000)).toBe('silent: channel answer cap reached');
    expect(limits.check('u2', 'c2', T + 1000)).toBeUndefined();
  });

  it('does not count checks that were not followed by an answer', () => {
    // Messages the bot stayed silent on do not use up the channel cap.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 1 });
    for (let i = 0; i < 5; i++) expect(limits.check(`u${i}`, 'c1', T + i)).toBeUndefined();
  });

  it('holds a reserved slot until it is released, so a burst cannot pay for an LLM call each', () => {
    // While the judge thinks about one message, the next one from the same user is held back.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 5 });
    const keys = { user: 'u1', channel: 'c1' };
    const first = limits.reserve(keys, T);
    expect(first).toHaveProperty('reservation');
    expect(limits.reserve(keys, T + 1)).toEqual({ limited: 'silent: user cooldown' });
  });

  it('gives a released slot back: a reply that was not sent costs nothing', () => {
    // Discord refused the reply, so the user is not on cooldown and the channel cap is untouched.
    const limits = createRateLimits({ USER_COOLDOWN_SECONDS: 30, CHANNEL_MAX_ANSWERS_PER_MINUTE: 1 });
    const slot = limits.reserve({ user: 'u1', channel: 'c1' }, T);
    if (!('reservation' in slot)) throw new Error('expected a slot');
    slot.reservation.release();
    expect(limits.check('u1', 'c1', T + 1)).toBeUndefined();
    expect(limits.check('u2', 'c1', T + 1)).toBeUndefined();
  });
});
