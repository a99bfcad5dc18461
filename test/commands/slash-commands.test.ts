// Every slash command, as Discord delivers it: a real discord.js interaction built from an API
// payload, through the bot's dispatcher, answered over (recorded) REST.
import { InteractionResponseType, PermissionFlagsBits } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCommands, MODERATOR_PERMISSION, requiredPermissions } from '../../src/discord/commands.ts';
import { INTERACTION_REPLIES } from '../../src/discord/interactions.ts';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import { ASKER_ID, addThread, GUILD_ID, SUPPORT_ID } from '../support/discord-payloads.ts';
import {
  createHarness,
  type Harness,
  isEphemeral,
  MEMBER,
  MOD_ID,
  MODERATOR,
} from '../support/interactions.ts';
import { TEST_CONFIG } from '../support/pipeline.ts';

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h.close();
});

const asModerator = { user: MOD_ID, permissions: MODERATOR };

describe('the command modules', () => {
  it('loads one command per module in commands/', async () => {
    const commands = await loadCommands();
    expect([...commands.keys()].sort()).toEqual([
      'Answer with…',
      "Shouldn't answer",
      'Wrong entry',
      'bot',
      'kb',
      'mute',
      'stats',
      'unmute',
    ]);
  });

  it('registers /kb, /bot and /stats for Manage Messages only, and /mute and /unmute for everyone', async () => {
    const commands = await loadCommands();
    const required = (name: string) => {
      const command = commands.get(name);
      return command ? requiredPermissions(command) : 'missing';
    };
    for (const name of ['kb', 'bot', 'stats']) expect(required(name)).toBe(MODERATOR_PERMISSION);
    for (const name of ['mute', 'unmute']) expect(required(name)).toBeUndefined();
    expect(MODERATOR_PERMISSION).toBe(PermissionFlagsBits.ManageMessages);
  });

  it('registers every command for servers only', async () => {
    for (const command of (await loadCommands()).values()) {
      expect(command.data.toJSON().contexts, command.data.name).toEqual([0]);
    }
  });
});

describe('/mute and /unmute', () => {
  it('mutes the caller and says so privately', async () => {
    const answer = await h.slash('mute');
    expect(answer.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toBe(MUTE_REPLIES.muted);
    expect(h.context.store.isMuted(GUILD_ID, ASKER_ID)).toBe(true);
  });

  it('shares its state with !mute: a second /mute says the caller is already muted', async () => {
    h.context.store.mute(GUILD_ID, ASKER_ID); // as `!mute` would
    const answer = await h.slash('mute');
    expect(answer.content).toBe(MUTE_REPLIES.alreadyMuted);
  });

  it('unmutes the caller, and says so when they were not muted', async () => {
    await h.slash('mute');
    const unmuted = await h.slash('unmute');
    expect(unmuted.content).toBe(MUTE_REPLIES.unmuted);
    expect(isEphemeral(unmuted)).toBe(true);
    expect(h.context.store.isMuted(GUILD_ID, ASKER_ID)).toBe(false);
    expect((await h.slash('unmute')).content).toBe(MUTE_REPLIES.notMuted);
  });

  it('works for members without any moderator permission', async () => {
    const answer = await h.slash('mute', { permissions: MEMBER });
    expect(answer.content).toBe(MUTE_REPLIES.muted);
  });
});

describe('moderator commands refuse members without Manage Messages', () => {
  for (const [name, sub] of [
    ['kb', 'list'],
    ['kb', 'reload'],
    ['bot', 'pause'],
    ['stats', undefined],
  ] as const) {
    it(`refuses /${name}${sub ? ` ${sub}` : ''} privately and changes nothing`, async () => {
      // The command is hidden from them by default permissions; a server admin may have changed
      // those, so the bot checks again.
      const answer = await h.slash(name, { sub, permissions: MEMBER });
      expect(isEphemeral(answer)).toBe(true);
      expect(answer.content).toBe(INTERACTION_REPLIES.moderatorsOnly(name));
      expect(h.context.store.isPaused(GUILD_ID, SUPPORT_ID)).toBe(false);
      expect(h.knowledge.status().lastReload).toBeUndefined();
    });
  }

  it('offers no autocomplete choices to them either', async () => {
    const answer = await h.autocomplete('kb', 'show', 'id', 'error', { permissions: MEMBER });
    expect(answer.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
    expect(answer.choices).toEqual([]);
  });
});

describe('/bot', () => {
  it('pauses the current channel for moderators and resumes it', async () => {
    const paused = await h.slash('bot', { sub: 'pause', ...asModerator });
    expect(isEphemeral(paused)).toBe(true);
    expect(paused.content).toMatch(/^Paused/);
    expect(paused.content).toContain(`<#${SUPPORT_ID}>`);
    expect(h.context.store.isPaused(GUILD_ID, SUPPORT_ID)).toBe(true);

    expect((await h.slash('bot', { sub: 'pause', ...asModerator })).content).toMatch(/already paused/);

    const resumed = await h.slash('bot', { sub: 'resume', ...asModerator });
    expect(isEphemeral(resumed)).toBe(true);
    expect(resumed.content).toMatch(/^Resumed/);
    expect(h.context.store.isPaused(GUILD_ID, SUPPORT_ID)).toBe(false);
    expect((await h.slash('bot', { sub: 'resume', ...asModerator })).content).toMatch(/wasn't paused/);
  });

  it('pauses the channel a thread belongs to when run in the thread, and says so', async () => {
    const thread = addThread(h.client, SUPPORT_ID, 'my setup');
    const paused = await h.slash('bot', { sub: 'pause', channel: thread.id, ...asModerator });
    expect(paused.content).toContain(
      `<#${SUPPORT_ID}> (the channel this thread belongs to) and all its threads`,
    );
    expect(h.context.store.isPaused(GUILD_ID, SUPPORT_ID)).toBe(true);
  });

  it('makes the bot stay silent in the paused channel and its threads, and answer again after resume', async () => {
    const pipeline = createPipeline({
      knowledge: h.knowledge.current,
      store: h.context.store,
      config: TEST_CONFIG,
    });
    let n = 0;
    const ask = (threadId?: string) =>
      pipeline.handle({
        id: `m${++n}`,
        guildId: GUILD_ID,
        channelId: threadId ?? SUPPORT_ID,
        channelName: threadId ? 'my setup' : 'sillytavern',
        parentChannelId: threadId ? SUPPORT_ID : undefined,
        parentChannelName: threadId ? 'sillytavern' : undefined,
        threadId,
        author: { id: `user${n}`, displayName: 'Asker', isBot: false, roles: [] },
        content: 'I get error 401 unauthorized from openrouter, what do I do?',
        attachments: [],
        createdAt: Date.now(),
      });
    await h.slash('bot', { sub: 'pause', ...asModerator });
    expect((await ask()).reason).toBe('ignored: channel paused');
    expect((await ask('thread-1')).reason).toBe('ignored: channel paused');
    await h.slash('bot', { sub: 'resume', ...asModerator });
    expect((await ask()).kind).toBe('answer');
  });

  it('never pings the channel or anyone in its replies', async () => {
    const paused = await h.slash('bot', { sub: 'pause', ...asModerator });
    expect(paused.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });
});

describe('/kb', () => {
  it('lists the entries in service', async () => {
    const answer = await h.slash('kb', { sub: 'list', ...asModerator });
    expect(isEphemeral(answer)).toBe(true);
    const { kb } = h.knowledge.current();
    expect(answer.content).toContain(`${kb.entries.length} entries in service`);
    expect(answer.content).toContain('`error-401-unauthorized`');
    expect(answer.content?.length).toBeLessThanOrEqual(2000);
  });

  it('shows one entry with its answer as posted', async () => {
    const answer = await h.slash('kb', {
      sub: 'show',
      values: { id: 'error-401-unauthorized' },
      ...asModerator,
    });
    expect(isEphemeral(answer)).toBe(true);
    const entry = h.knowledge.current().kb.byId.get('error-401-unauthorized');
    expect(answer.content).toContain(entry?.title);
    expect(answer.content).toContain(entry?.followUp);
    expect(answer.content?.length).toBeLessThanOrEqual(2000);
  });

  it('says so when asked to show an id that is not in service', async () => {
    const answer = await h.slash('kb', { sub: 'show', values: { id: 'no-such-entry' }, ...asModerator });
    expect(answer.content).toMatch(/No entry `no-such-entry`/);
  });

  it('autocompletes entry ids from what the moderator typed', async () => {
    const answer = await h.autocomplete('kb', 'show', 'id', 'error-4');
    expect(answer.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
    const values = answer.choices?.map((c) => c.value) ?? [];
    expect(values).toContain('error-401-unauthorized');
    expect(values.every((v) => v.includes('error-4'))).toBe(true);
    expect(answer.choices?.every((c) => c.name.length <= 100)).toBe(true);
  });

  it('offers at most 25 choices when nothing is typed yet', async () => {
    const answer = await h.autocomplete('kb', 'show', 'id', '');
    expect(answer.choices?.length).toBe(Math.min(25, h.knowledge.current().kb.entries.length));
  });

  it('tests a text: the entry that would answer, the candidates with scores and the deciding rule', async () => {
    const answer = await h.slash('kb', {
      sub: 'test',
      values: { text: 'I get error 401 unauthorized from openrouter, what do I do?' },
      ...asModerator,
    });
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toMatch(/^Would answer with `error-401-unauthorized`/);
    expect(answer.content).toContain('Rule that decided: answer');
    expect(answer.content).toMatch(/1\. `error-401-unauthorized` probability \d(?:\.\d{1,3})?/);
  });

  it('tests a text the bot stays silent on and names the rule', async () => {
    const answer = await h.slash('kb', {
      sub: 'test',
      values: { text: 'thanks, that worked!' },
      ...asModerator,
    });
    expect(answer.content).toMatch(/^Would stay silent\./);
    expect(answer.content).toMatch(/Rule that decided: silent: /);
  });

  it('reloads on request and reports the entries in service', async () => {
    const answer = await h.slash('kb', { sub: 'reload', ...asModerator });
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toBe(`Reloaded: ${h.knowledge.current().kb.entries.length} entries in service.`);
  });

  it('reports its status: entries loaded and the last reload', async () => {
    const before = await h.slash('kb', { sub: 'status', ...asModerator });
    expect(isEphemeral(before)).toBe(true);
    expect(before.content).toContain(`Entries in service: ${h.knowledge.current().kb.entries.length}`);
    expect(before.content).toContain('Last reload: none since start-up');
    await h.slash('kb', { sub: 'reload', ...asModerator });
    const after = await h.slash('kb', { sub: 'status', ...asModerator });
    expect(after.content).toMatch(/Last reload: <t:\d+:f> \(<t:\d+:R>\), succeeded/);
  });
});

describe('/stats', () => {
  it('reports answers per intent, feedback and unanswered help requests for the last 7 days', async () => {
    const { store } = h.context;
    const id = store.recordAnswer({
      guildId: GUILD_ID,
      channelId: SUPPORT_ID,
      conversationId: SUPPORT_ID,
      userId: ASKER_ID,
      questionMessageId: 'q1',
      intent: 'error-401-unauthorized',
      kind: 'answer',
      confidence: 0.9,
      decidedBy: 'local classifier',
    });
    store.setAnswerMessage(id, 'a1');
    store.vote('a1', ASKER_ID, 'solved');
    store.recordUnanswered({
      guildId: GUILD_ID,
      channelId: SUPPORT_ID,
      userId: ASKER_ID,
      messageId: 'q2',
      text: 'how do I change the temperature?',
      reason: 'silent: low confidence',
    });
    const answer = await h.slash('stats', asModerator);
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toContain('Last 7 days');
    expect(answer.content).toContain('error-401-unauthorized: 1 answer; 1 solved');
    expect(answer.content).toContain('Unanswered help requests: 1');
    expect(answer.content).toContain('1× how do I change the temperature?');
  });

  it("never shows another server's answers or questions", async () => {
    const { store } = h.context;
    store.recordAnswer({
      guildId: 'another-server',
      channelId: 'their-help',
      conversationId: 'their-help',
      userId: 'their-user',
      questionMessageId: 'q9',
      intent: 'error-429-rate-limit',
      kind: 'answer',
      decidedBy: 'local classifier',
    });
    store.recordUnanswered({
      guildId: 'another-server',
      channelId: 'their-help',
      userId: 'their-user',
      messageId: 'q10',
      text: 'my private question in another server',
      reason: 'silent: low confidence',
    });
    const answer = await h.slash('stats', asModerator);
    expect(answer.content).toContain('Replies: 0');
    expect(answer.content).toContain('Unanswered help requests: 0');
    expect(answer.content).not.toContain('error-429-rate-limit');
    expect(answer.content).not.toContain('my private question');
  });

  it('looks back the number of days asked for', async () => {
    const { store } = h.context;
    store.recordUnanswered({
      guildId: GUILD_ID,
      channelId: SUPPORT_ID,
      userId: ASKER_ID,
      messageId: 'q2',
      text: 'old question?',
      reason: 'silent: low confidence',
    });
    h.clock.now += 3 * 86_400_000;
    expect((await h.slash('stats', { values: { days: 2 }, ...asModerator })).content).toContain(
      'Unanswered help requests: 0',
    );
    expect((await h.slash('stats', { values: { days: 4 }, ...asModerator })).content).toContain(
      'Unanswered help requests: 1',
    );
  });
});

describe('failures', () => {
  it('answers privately that something went wrong when a command throws, and logs it', async () => {
    vi.spyOn(h.context.store, 'stats').mockImplementation(() => {
      throw new Error('disk on fire');
    });
    const answer = await h.slash('stats', asModerator);
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toBe(INTERACTION_REPLIES.failed);
    expect(answer.content).not.toContain('disk on fire');
  });

  it('tells the caller privately when a command is not known (anymore)', async () => {
    const answer = await h.slash('frobnicate', asModerator);
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toBe(INTERACTION_REPLIES.unknown('frobnicate'));
  });
});
