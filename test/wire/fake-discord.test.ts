// Tests of the fake Discord server itself, driven by a plain discord.js Client in this process.
// If these pass, the wire tests of the bot fail only for the bot's reasons.
import {
  ButtonStyle,
  ChannelType,
  Client,
  type ClientEvents,
  ComponentType,
  Events,
  GatewayIntentBits,
  type Message,
  MessageFlags,
  type RateLimitData,
  RESTEvents,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from '../../tools/wire/fake-discord.ts';

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

const servers: FakeDiscord[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(options: Parameters<typeof startFakeDiscord>[0] = {}): Promise<FakeDiscord> {
  const server = await startFakeDiscord(options);
  servers.push(server);
  return server;
}

/** A discord.js client logged in to `server`, resolved on clientReady. */
async function connect(server: FakeDiscord, intents: GatewayIntentBits[] = INTENTS): Promise<Client<true>> {
  const client = new Client({ intents, rest: { api: server.url } });
  clients.push(client);
  const ready = once(client, Events.ClientReady, 5000);
  await client.login(server.token);
  await ready;
  return client as Client<true>;
}

/** The next `event` whose arguments satisfy `accept`. */
function once<E extends keyof ClientEvents>(
  client: Client,
  event: E,
  timeoutMs = 5000,
  accept: (...args: ClientEvents[E]) => boolean = () => true,
): Promise<ClientEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: ClientEvents[E]) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    };
    client.on(event, listener);
  });
}

const nextMessage = (client: Client, accept: (m: Message) => boolean = () => true) =>
  once(client, Events.MessageCreate, 5000, accept).then(([message]) => message);

describe('the fake Discord server', () => {
  it('lets a discord.js client log in and sees the guild with its channels and roles', async () => {
    // The bot comes online: READY, then the guild with #sillytavern, #general and #help-forum.
    const server = await startServer();
    const client = await connect(server);

    expect(client.user.id).toBe(server.ids.users.bot);
    expect(client.application.id).toBe(server.ids.application);
    const guild = client.guilds.cache.get(server.ids.guild);
    expect(guild?.channels.cache.get(server.ids.channels.sillytavern)?.name).toBe('sillytavern');
    expect(guild?.channels.cache.get(server.ids.channels.helpForum)?.type).toBe(ChannelType.GuildForum);
    expect(guild?.roles.cache.get(server.ids.roles.staff)?.name).toBe('Staff');
    expect(guild?.members.cache.get(server.ids.users.mod)?.roles.cache.has(server.ids.roles.staff)).toBe(
      true,
    );
    const identify = server.gatewayLog.find((e) => e.kind === 'identify');
    expect(identify?.intents).toBe(
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
    );
    expect(server.requests.map((r) => r.route)).toEqual(['GET /gateway/bot']);
  });

  it('refuses a wrong token on REST, so a misconfigured bot fails to log in', async () => {
    // The bot with a wrong DISCORD_TOKEN never comes online.
    const server = await startServer();
    const client = new Client({ intents: INTENTS, rest: { api: server.url } });
    clients.push(client);
    await expect(client.login('not-the-token')).rejects.toThrow();
  });

  it('delivers a posted message in #sillytavern with its content and author', async () => {
    // alice writes in #sillytavern; the bot sees the text, the author and her roles.
    const server = await startServer();
    const client = await connect(server);
    const received = nextMessage(client);
    const posted = server.postMessage({
      channel: 'sillytavern',
      author: 'alice',
      content: 'I get a 401 error',
    });

    const message = await received;
    expect(message.id).toBe(posted.id);
    expect(message.content).toBe('I get a 401 error');
    expect(message.author.id).toBe(server.ids.users.alice);
    expect(message.channelId).toBe(server.ids.channels.sillytavern);
    expect(message.inGuild()).toBe(true);
    expect(message.member?.roles.cache.has(server.ids.roles.staff)).toBe(false);
  });

  it('blanks message content for a client without the MessageContent intent, as Discord does', async () => {
    // A bot that forgot the privileged intent sees empty messages.
    const server = await startServer();
    const client = await connect(server, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const received = nextMessage(client);
    server.postMessage({ channel: 'sillytavern', content: 'I get a 401 error' });
    expect((await received).content).toBe('');
  });

  it('marks replies, webhook messages and bot authors like Discord does', async () => {
    // bob answers alice, a webhook posts, another bot posts: each looks as it does on Discord.
    const server = await startServer();
    const client = await connect(server);
    const seen: Message[] = [];
    client.on(Events.MessageCreate, (m) => seen.push(m));
    const question = server.postMessage({ channel: 'sillytavern', content: 'help?' });
    server.postMessage({
      channel: 'sillytavern',
      author: 'bob',
      content: 'check your key',
      replyTo: question.id,
    });
    server.postMessage({ channel: 'sillytavern', author: 'webhook', content: 'New release' });
    server.postMessage({ channel: 'sillytavern', author: 'otherBot', content: 'beep' });
    await expect.poll(() => seen.length).toBe(4);

    const [, reply, webhook, otherBot] = seen;
    expect(reply?.reference?.messageId).toBe(question.id);
    expect(webhook?.webhookId).toBe(server.ids.webhook);
    expect(webhook?.author.bot).toBe(true);
    expect(otherBot?.author.bot).toBe(true);
  });

  it('records a reply with its allowed_mentions and message_reference', async () => {
    // alice asks; the bot's answer shows as a reply to her message and pings nobody.
    const server = await startServer();
    const client = await connect(server);
    client.on(Events.MessageCreate, async (m) => {
      if (m.author.id !== client.user.id)
        await m.reply({ content: 'Check your API key.', allowedMentions: { parse: [] } });
    });
    const posted = server.postMessage({
      channel: 'sillytavern',
      content: 'I get a 401 error <@123> @everyone',
    });

    const answer = await server.waitForBotMessage((m) => m.replyTo === posted.id);
    expect(answer.content).toBe('Check your API key.');
    expect(answer.channelId).toBe(server.ids.channels.sillytavern);
    expect(answer.allowedMentions).toEqual({ parse: [] });
    expect(answer.body.message_reference).toMatchObject({ message_id: posted.id });
    expect(server.pingsOf(answer)).toEqual({ everyone: false, users: [], roles: [], repliedUser: false });
    expect(server.requests.find((r) => r.route === 'POST /channels/:channelId/messages')?.authorized).toBe(
      true,
    );
  });

  it('counts a reply without allowed_mentions as pinging the asker', async () => {
    // The bot forgot allowed_mentions: alice gets a notification, and the test can tell.
    const server = await startServer();
    const client = await connect(server);
    client.on(Events.MessageCreate, async (m) => {
      if (m.author.id !== client.user.id) await m.reply('hi <@1234> and @here');
    });
    const posted = server.postMessage({ channel: 'sillytavern', content: 'hello' });
    const answer = await server.waitForBotMessage((m) => m.replyTo === posted.id);
    expect(server.pingsOf(answer)).toEqual({ everyone: true, users: ['1234'], roles: [], repliedUser: true });
  });

  it('delivers messages in a thread under #sillytavern and takes the reply inside the thread', async () => {
    // alice opens a thread and asks there; the answer appears in the thread, not the channel.
    const server = await startServer();
    const client = await connect(server);
    const threadCreated = once(client, Events.ThreadCreate);
    const announced = nextMessage(client);
    const thread = server.createThread({ parent: 'sillytavern', name: 'help with 401', owner: 'alice' });
    const [created] = await threadCreated;
    expect(created.id).toBe(thread.id);
    expect(created.parentId).toBe(server.ids.channels.sillytavern);
    // Discord's "alice started a thread" system message lands in the parent channel.
    expect((await announced).system).toBe(true);

    const received = nextMessage(client);
    const posted = server.postMessage({ channel: thread.id, content: 'still 401' });
    const message = await received;
    expect(message.channel.isThread()).toBe(true);
    expect(message.channel.isThread() && message.channel.parentId).toBe(server.ids.channels.sillytavern);
    await message.reply({ content: 'in thread', allowedMentions: { parse: [] } });
    const answer = await server.waitForBotMessage((m) => m.replyTo === posted.id);
    expect(answer.channelId).toBe(thread.id);
  });

  it('delivers a forum post as a thread whose starter message has the thread id', async () => {
    // alice opens a post in #help-forum titled with her question.
    const server = await startServer();
    const client = await connect(server);
    const threadCreated = once(client, Events.ThreadCreate);
    const received = nextMessage(client);
    const post = server.createForumPost({
      title: 'Error 401 on connect',
      content: 'see title',
      author: 'alice',
    });

    const [thread] = await threadCreated;
    expect(thread.name).toBe('Error 401 on connect');
    expect(thread.parent?.type).toBe(ChannelType.GuildForum);
    const starter = await received;
    expect(starter.id).toBe(post.threadId);
    expect(starter.channelId).toBe(post.threadId);
    expect((await thread.fetchStarterMessage())?.content).toBe('see title');
  });

  it('waits out a 429 on the reply route and the reply arrives exactly once', async () => {
    // The bot is rate limited once; alice still gets one answer, about a second later.
    const server = await startServer();
    const client = await connect(server);
    const rateLimits: RateLimitData[] = [];
    client.rest.on(RESTEvents.RateLimited, (info) => rateLimits.push(info));
    client.on(Events.MessageCreate, async (m) => {
      if (m.author.id !== client.user.id)
        await m.reply({ content: 'answer', allowedMentions: { parse: [] } });
    });
    server.failNext('POST /channels/:channelId/messages', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const posted = server.postMessage({ channel: 'sillytavern', content: 'I get a 401 error' });

    await server.waitForBotMessage((m) => m.replyTo === posted.id, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const attempts = server.requests.filter((r) => r.route === 'POST /channels/:channelId/messages');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(rateLimits).toHaveLength(1);
    // A second message is answered after the first on the same route: a duplicate would be there by now.
    const next = server.postMessage({ channel: 'sillytavern', content: 'and a 402' });
    await server.waitForBotMessage((m) => m.replyTo === next.id, 5000);
    expect(server.botMessages.filter((m) => m.replyTo === posted.id)).toHaveLength(1);
  });

  it('resumes a dropped gateway, replays the missed message and delivers the next one', async () => {
    // Discord drops the connection; nothing alice wrote meanwhile is lost.
    const server = await startServer();
    const client = await connect(server);
    const seen: string[] = [];
    client.on(Events.MessageCreate, (m) => seen.push(m.content));
    const mark = server.gatewayLog.length;

    await server.dropGateway();
    server.postMessage({ channel: 'sillytavern', content: 'written while the bot was away' });
    await server.waitForGateway('resumed', 5000, mark);
    server.postMessage({ channel: 'sillytavern', content: 'written after the resume' });

    await expect.poll(() => seen).toEqual(['written while the bot was away', 'written after the resume']);
    expect(server.gatewayLog.filter((e) => e.kind === 'identify')).toHaveLength(1);
  });

  it('makes the client resume when told to RECONNECT (op 7)', async () => {
    // Discord asks the bot to reconnect; it resumes the same session without a new login.
    const server = await startServer();
    const client = await connect(server);
    const mark = server.gatewayLog.length;
    server.requestReconnect();
    await server.waitForGateway('resumed', 5000, mark);
    const received = nextMessage(client);
    server.postMessage({ channel: 'sillytavern', content: 'after the reconnect' });
    expect((await received).content).toBe('after the reconnect');
    expect(server.gatewayLog.filter((e) => e.kind === 'identify')).toHaveLength(1);
  });

  it('lets the client resume on the same socket after a resumable INVALID_SESSION', async () => {
    // Discord hiccups but keeps the session: no new login, messages keep coming.
    const server = await startServer();
    const client = await connect(server);
    const mark = server.gatewayLog.length;
    server.invalidateSession(true);
    await server.waitForGateway('resumed', 5000, mark);
    const received = nextMessage(client);
    server.postMessage({ channel: 'sillytavern', content: 'still here' });
    expect((await received).content).toBe('still here');
    expect(server.connectedSessions).toBe(1);
  });

  it('makes the client identify again after a non-resumable INVALID_SESSION', async () => {
    // Discord forgets the session; the bot logs in afresh and keeps receiving messages.
    const server = await startServer();
    const client = await connect(server);
    const mark = server.gatewayLog.length;
    server.invalidateSession(false);
    // discord.js waits out its identify throttle (≈5 s after the previous IDENTIFY).
    await server.waitForGateway('ready', 12_000, mark);
    const received = nextMessage(client);
    server.postMessage({ channel: 'sillytavern', content: 'after re-identify' });
    expect((await received).content).toBe('after re-identify');
  }, 20_000);

  it('answers heartbeats with ACKs so the client measures a ping', async () => {
    // No "zombie connection" reconnects while the bot idles.
    const server = await startServer({ heartbeatIntervalMs: 200 });
    const client = await connect(server);
    await expect.poll(() => client.ws.ping, { timeout: 2000 }).toBeGreaterThanOrEqual(0);
    expect(server.gatewayLog.filter((e) => e.kind === 'heartbeat').length).toBeGreaterThan(0);
  });

  it('records registered slash commands and routes a slash command with member permissions', async () => {
    // A moderator runs /mute; the bot answers privately.
    const server = await startServer();
    const client = await connect(server);
    await client.application.commands.set(
      [{ name: 'mute', description: 'Stop answering a user' }],
      server.ids.guild,
    );
    await client.application.commands.set([{ name: 'about', description: 'About the bot' }]);
    expect(server.commands.guild.map((c) => c.name)).toEqual(['mute']);
    expect(server.commands.global.map((c) => c.name)).toEqual(['about']);

    const interactionSeen = once(client, Events.InteractionCreate);
    const sent = server.slashCommand({ name: 'mute', user: 'mod', options: { reason: 'test' } });
    const [interaction] = await interactionSeen;
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.commandName).toBe('mute');
    expect(interaction.options.getString('reason')).toBe('test');
    expect(interaction.memberPermissions?.has('ManageMessages')).toBe(true);
    await interaction.reply({ content: 'Muted.', flags: MessageFlags.Ephemeral });

    const response = await server.waitForInteractionResponse(sent.id);
    expect(response).toMatchObject({ type: 4, ephemeral: true, data: { content: 'Muted.' } });
    const reply = await server.waitForBotMessage((m) => m.interactionId === sent.id);
    expect(reply.ephemeral).toBe(true);
  });

  it('supports deferred replies edited through the @original webhook route, and follow-ups', async () => {
    // The bot says "thinking…", then fills in the answer and adds a follow-up.
    const server = await startServer();
    const client = await connect(server);
    client.on(Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await interaction.editReply('done');
      const original = await interaction.fetchReply();
      await interaction.followUp({ content: `follow-up to ${original.id}`, flags: MessageFlags.Ephemeral });
    });
    const sent = server.slashCommand({ name: 'stats' });
    const edited = await server.waitForBotMessage((m) => m.interactionId === sent.id && m.content === 'done');
    const followUp = await server.waitForBotMessage((m) => m.via === 'followup');
    expect(followUp.content).toBe(`follow-up to ${edited.id}`);
    expect(server.requests.some((r) => r.path.endsWith('/messages/@original') && r.method === 'PATCH')).toBe(
      true,
    );
    expect(server.unknownRoutes).toEqual([]);
  });

  it('routes a button press on a bot message and records the message update', async () => {
    // alice clicks "Helpful" under an answer; the button disappears.
    const server = await startServer();
    const client = await connect(server);
    const channel = client.channels.cache.get(server.ids.channels.sillytavern);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    const answer = await channel.send({
      content: 'An answer',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Helpful', customId: 'fb:up' },
          ],
        },
      ],
    });
    const interactionSeen = once(client, Events.InteractionCreate);
    const sent = server.pressButton({ message: answer.id, customId: 'fb:up', user: 'alice' });
    const [interaction] = await interactionSeen;
    if (!interaction.isButton()) throw new Error('expected a button');
    expect(interaction.customId).toBe('fb:up');
    expect(interaction.message.id).toBe(answer.id);
    await interaction.update({ components: [] });

    expect(await server.waitForInteractionResponse(sent.id)).toMatchObject({ type: 7 });
    const record = await server.waitForBotMessage((m) => m.id === answer.id && m.edits.length === 1);
    expect(record.components).toEqual([]);
  });

  it('answers a repeated interaction callback with "already acknowledged"', async () => {
    // A bot that replies twice to one command gets an error, as on Discord.
    const server = await startServer();
    const client = await connect(server);
    const interactionSeen = once(client, Events.InteractionCreate);
    server.slashCommand({ name: 'about' });
    const [interaction] = await interactionSeen;
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    await interaction.reply('one');
    await expect(
      client.rest.post(`/interactions/${interaction.id}/${interaction.token}/callback`, {
        body: { type: 4, data: { content: 'two' } },
        auth: false,
      }),
    ).rejects.toThrow(/already been acknowledged/);
  });

  it('records deleted messages and refuses a reply to a deleted message', async () => {
    // alice deletes her question before the bot answers: Discord refuses the reply.
    const server = await startServer();
    const client = await connect(server);
    const received = nextMessage(client);
    const posted = server.postMessage({ channel: 'sillytavern', content: 'oops' });
    const message = await received;
    const deleted = once(client, Events.MessageDelete);
    server.deleteMessage(posted.id);
    await deleted;
    await expect(message.reply('too late')).rejects.toThrow(/Unknown message/i);
    expect(server.botMessages).toHaveLength(0);
  });

  it('records a message the bot deletes and tells the gateway', async () => {
    // The bot removes a message (a leaked key, say): it disappears for everyone.
    const server = await startServer();
    const client = await connect(server);
    const received = nextMessage(client);
    const posted = server.postMessage({ channel: 'sillytavern', content: 'my key is sk-or-v1-…' });
    const message = await received;
    const deleted = once(client, Events.MessageDelete);
    await message.delete();
    expect((await deleted)[0].id).toBe(posted.id);
    expect(server.deletions).toEqual([
      { channelId: server.ids.channels.sillytavern, messageId: posted.id, by: 'bot' },
    ]);
    expect(server.message(posted.id)).toBeUndefined();
  });

  it('logs routes it does not know and answers them 404', async () => {
    // Shows what discord.js needed that the fake lacks.
    const server = await startServer();
    const client = await connect(server);
    await expect(client.rest.get('/guilds/1/audit-logs')).rejects.toThrow();
    expect(server.unknownRoutes).toEqual(['GET /guilds/1/audit-logs']);
  });

  it('serves attachments posted by users on 127.0.0.1', async () => {
    // alice attaches her console log; the bot can read it.
    const server = await startServer();
    const client = await connect(server);
    const received = nextMessage(client);
    server.postMessage({
      channel: 'sillytavern',
      content: 'log attached',
      attachments: [{ filename: 'console.log', content: 'Error: 401 Unauthorized' }],
    });
    const attachment = (await received).attachments.first();
    expect(attachment?.name).toBe('console.log');
    expect(attachment?.url.startsWith(server.origin)).toBe(true);
    expect(await (await fetch(attachment?.url ?? '')).text()).toBe('Error: 401 Unauthorized');
  });
});
