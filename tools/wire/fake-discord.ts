// A small Discord-compatible REST (v10) + gateway server for wire-level tests.
//
// The real discord.js client talks to it over real sockets on 127.0.0.1: it only needs
// `rest: { api: server.url }` (the bot: DISCORD_API_URL), because discord.js takes the gateway
// URL from `GET /gateway/bot`. Facts about what discord.js expects are in
// ../shared/research/discord-offline-testing.md.
//
// One guild: #sillytavern, #general, the forum #help-forum, roles @everyone/Staff/SupportBot,
// users alice, bob, mod (Staff), otherBot (a bot) and a webhook. Tests act as users (post,
// open threads and forum posts, run slash commands, press buttons) and read back everything
// the bot sent. Nothing here talks to anything but 127.0.0.1.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChannelType,
  ComponentType,
  GatewayIntentBits,
  GatewayOpcodes,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
} from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Snowflakes. discord.js derives `createdAt` from the id, so ids must be real snowflakes.

const DISCORD_EPOCH = 1_420_070_400_000n;
let lastSnowflakeMs = 0n;
let snowflakeIncrement = 0n;

/** A snowflake for `at` (ms); strictly increasing within this process. */
export function snowflake(at: number = Date.now()): string {
  let ms = BigInt(at);
  if (ms <= lastSnowflakeMs) {
    ms = lastSnowflakeMs;
    snowflakeIncrement += 1n;
    if (snowflakeIncrement > 4095n) {
      ms += 1n;
      snowflakeIncrement = 0n;
    }
  } else {
    snowflakeIncrement = 0n;
  }
  lastSnowflakeMs = ms;
  return (((ms - DISCORD_EPOCH) << 22n) | snowflakeIncrement).toString();
}

// ---------------------------------------------------------------------------------------------
// Public types

export type UserKey = 'bot' | 'alice' | 'bob' | 'mod' | 'otherBot';
export type ChannelKey = 'sillytavern' | 'general' | 'helpForum';

export interface FakeDiscordOptions {
  /** The bot token the server accepts (REST `Authorization: Bot …` and IDENTIFY). */
  token?: string;
  /** HELLO heartbeat interval. Discord uses 41250 ms; shorter makes heartbeats visible in tests. */
  heartbeatIntervalMs?: number;
  /** Print every request and gateway frame to stderr (also: FAKE_DISCORD_DEBUG=1). */
  debug?: boolean;
  /** false: the application's "Message Content Intent" switch is off, so an IDENTIFY asking for
   * it is closed with 4014 (Disallowed intent(s)), as Discord does. */
  messageContentIntentAllowed?: boolean;
}

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  data: Buffer;
}

/** One REST call the bot made, as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path below /api/v10, decoded per segment (`%40original` becomes `@original`). */
  path: string;
  /** The matched route template, e.g. `POST /channels/:channelId/messages`; null when unknown. */
  route: string | null;
  query: Record<string, string>;
  /** The JSON body (for multipart: the parsed `payload_json`). */
  body: unknown;
  files: RecordedFile[];
  authorized: boolean;
  status: number;
  at: number;
}

export interface AllowedMentions {
  parse?: string[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

/** A message the bot created (in a channel, as an interaction reply or follow-up). */
export interface BotMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  /** `message_reference.message_id`: the message this one replies to. */
  replyTo: string | null;
  /** `allowed_mentions` exactly as sent; undefined when the bot omitted it. */
  allowedMentions: AllowedMentions | undefined;
  flags: number;
  ephemeral: boolean;
  files: RecordedFile[];
  via: 'channel' | 'interaction' | 'followup';
  interactionId: string | null;
  /** The JSON body of the request that created it. */
  body: Json;
  /** Bodies of later edits (PATCH), oldest first. content/embeds/components above are current. */
  edits: Json[];
  deleted: boolean;
  createdAt: number;
}

export interface InteractionResponse {
  interactionId: string;
  /** InteractionResponseType: 4 reply, 5 deferred reply, 6 deferred update, 7 update, 9 modal… */
  type: number;
  data: Json | undefined;
  ephemeral: boolean;
  at: number;
}

export interface RegisteredCommand extends Json {
  id: string;
  name: string;
}

export type GatewayEventKind =
  | 'connect'
  | 'identify'
  | 'ready'
  | 'resume'
  | 'resumed'
  | 'invalid-session'
  | 'heartbeat'
  | 'request-members'
  | 'close'
  | 'drop';

export interface GatewayLogEntry {
  kind: GatewayEventKind;
  sessionId: string | null;
  at: number;
  code?: number;
  /** Intents sent with IDENTIFY. */
  intents?: number;
}

export interface AttachmentInput {
  filename: string;
  content?: string | Buffer;
  contentType?: string;
}

export interface PostMessageOptions {
  /** 'sillytavern', '#general', 'helpForum', or any channel/thread id. */
  channel: string;
  /** A user key ('alice', 'otherBot'…), a user id, or 'webhook' for a webhook message. */
  author?: UserKey | 'webhook' | (string & {});
  content: string;
  /** Id of the message this one replies to (sets message_reference and referenced_message). */
  replyTo?: string;
  attachments?: AttachmentInput[];
  embeds?: Json[];
  /** A MessageType, for system messages (e.g. MessageType.UserJoin). */
  type?: number;
}

export interface CreateThreadOptions {
  /** The text channel the thread lives under. */
  parent: string;
  name: string;
  owner?: UserKey | (string & {});
  /** Start the thread on this message (the thread then has the message's id, as on Discord). */
  fromMessage?: string;
}

export interface ForumPostOptions {
  forum?: string;
  title: string;
  content: string;
  author?: UserKey | (string & {});
  attachments?: AttachmentInput[];
}

export interface SlashCommandOptions {
  name: string;
  /** Simple options (strings, numbers, booleans) or the raw API option list (subcommands, users…). */
  options?: Record<string, string | number | boolean> | Json[];
  resolved?: Json;
  user?: UserKey | (string & {});
  channel?: string;
  /** Member permissions as Discord computes them; default: from the user's roles. */
  permissions?: bigint;
}

export interface ButtonPressOptions {
  /** The id of the (bot) message that carries the button. */
  message: string;
  customId: string;
  user?: UserKey | (string & {});
  permissions?: bigint;
  /** Fields added to the message inside the interaction payload, as other Discord-compatible
   * servers send them (e.g. `{ thread: null }`). */
  messageFields?: Json;
}

export interface MessageCommandOptions {
  /** The context-menu command's name, e.g. "Answer with…". */
  name: string;
  /** The id of the message the command was run on (Apps menu on that message). */
  target: string;
  user?: UserKey | (string & {});
  permissions?: bigint;
}

export interface SelectMenuOptions {
  /** The id of the (bot) message that carries the select menu. */
  message: string;
  customId: string;
  values: string[];
  user?: UserKey | (string & {});
  permissions?: bigint;
}

export interface SentInteraction {
  id: string;
  token: string;
}

export interface FailOptions {
  status?: number;
  /** Seconds, as Discord's Retry-After header. */
  retryAfter?: number;
  global?: boolean;
  times?: number;
}

/** `'POST /channels/:channelId/messages'` (segments starting with ':' or '*' match anything), a
 * RegExp tested against `'METHOD /path'`, or a predicate. */
export type RouteMatcher = string | RegExp | ((request: RecordedRequest) => boolean);

/** Who a bot message would actually notify on Discord, given its content and allowed_mentions. */
export interface Pings {
  everyone: boolean;
  users: string[];
  roles: string[];
  repliedUser: boolean;
}

// ---------------------------------------------------------------------------------------------
// Stored state (shapes follow the Discord API; only the fields discord.js reads are filled).

interface StoredMessage extends Json {
  id: string;
  channel_id: string;
  author: Json & { id: string; bot?: boolean };
  content: string;
  type: number;
  flags: number;
}

interface StoredChannel extends Json {
  id: string;
  type: number;
  name: string;
  parent_id: string | null;
  last_message_id: string | null;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  socket: WebSocket | null;
  /** Sent dispatches, kept so a RESUME can replay what the client missed. */
  sent: { s: number; frame: string }[];
  valid: boolean;
}

interface Interaction {
  id: string;
  token: string;
  channelId: string;
  userId: string;
  type: number;
  responded: boolean;
  originalMessageId: string | null;
  componentMessageId: string | null;
}

interface Waiter {
  check: () => boolean;
  timer: NodeJS.Timeout;
  reject: (error: Error) => void;
}

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  /** Interaction callbacks and interaction webhooks are called without a bot token. */
  tokenless?: boolean;
  handler: (ctx: RouteContext) => Reply | undefined;
}

interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  body: Json;
  files: RecordedFile[];
  request: RecordedRequest;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Runs after the response is written: on Discord gateway events usually trail the REST reply. */
  after?: () => void;
}

const json = (body: unknown, status = 200, after?: () => void): Reply => ({ status, body, after });
const noContent = (after?: () => void): Reply => ({ status: 204, after });
const apiError = (status: number, code: number, message: string, errors?: Json): Reply =>
  json({ message, code, ...(errors ? { errors } : {}) }, status);

const EPHEMERAL = Number(MessageFlags.Ephemeral);
const LOADING = Number(MessageFlags.Loading);
const MESSAGE_CONTENT = Number(GatewayIntentBits.MessageContent);
const GUILD_MESSAGES = Number(GatewayIntentBits.GuildMessages);
const GUILDS = Number(GatewayIntentBits.Guilds);

const BASIC_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands;
const STAFF_PERMISSIONS =
  BASIC_PERMISSIONS |
  PermissionFlagsBits.ManageMessages |
  PermissionFlagsBits.ManageThreads |
  PermissionFlagsBits.ModerateMembers |
  PermissionFlagsBits.ManageGuild;
const BOT_PERMISSIONS =
  BASIC_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ManageThreads;

// A fixed clock for the fixture's ids so that logs are comparable between runs.
const FIXTURE_TIME = Date.UTC(2024, 0, 1);

// ---------------------------------------------------------------------------------------------

export class FakeDiscord {
  readonly token: string;
  /** Base URL for discord.js `rest.api` / the bot's DISCORD_API_URL. */
  url = '';
  origin = '';
  gatewayUrl = '';

  readonly ids = {
    application: '',
    guild: '',
    webhook: '',
    channels: { sillytavern: '', general: '', helpForum: '' } as Record<ChannelKey, string>,
    roles: { everyone: '', staff: '', bot: '' },
    users: { bot: '', alice: '', bob: '', mod: '', otherBot: '' } as Record<UserKey, string>,
  };

  /** Every REST call, in order (including the ones answered with an injected error). */
  readonly requests: RecordedRequest[] = [];
  /** `METHOD /path` of calls no route handles (answered 404): what discord.js needed but we lack. */
  readonly unknownRoutes: string[] = [];
  /** Exceptions thrown inside route handlers (answered 500). Should stay empty. */
  readonly errors: string[] = [];
  readonly botMessages: BotMessage[] = [];
  /** File names of attachments someone downloaded from /attachments/…, in order. */
  readonly attachmentDownloads: string[] = [];
  readonly interactionResponses: InteractionResponse[] = [];
  readonly commands: { global: RegisteredCommand[]; guild: RegisteredCommand[] } = { global: [], guild: [] };
  /** Messages deleted, by the bot (REST) or by the test (deleteMessage). */
  readonly deletions: { channelId: string; messageId: string; by: 'bot' | 'test' }[] = [];
  readonly reactions: { channelId: string; messageId: string; emoji: string; added: boolean }[] = [];
  readonly gatewayLog: GatewayLogEntry[] = [];

  private readonly options: FakeDiscordOptions;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly users = new Map<string, Json & { id: string; username: string; bot?: boolean }>();
  private readonly members = new Map<string, { roles: string[]; joined_at: string }>();
  private readonly roles: Json[] = [];
  private readonly channels = new Map<string, StoredChannel>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly attachmentData = new Map<string, { data: Buffer; contentType: string }>();
  private readonly sessions = new Map<string, Session>();
  private readonly interactions = new Map<string, Interaction>();
  private readonly failures: { matcher: RouteMatcher; options: Required<FailOptions> }[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly routes: Route[] = [];
  private closed = false;

  private constructor(options: FakeDiscordOptions) {
    this.options = options;
    this.token = options.token ?? 'fake-bot-token.for-tests.only';
    this.buildFixture();
    this.buildRoutes();
    this.http = http.createServer((req, res) => {
      this.onHttpRequest(req, res).catch((error: unknown) => {
        this.errors.push(String(error));
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onGatewayConnection(ws, req.url ?? ''));
    });
  }

  /** Starts a server on 127.0.0.1 with an ephemeral port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.http.address() as AddressInfo;
    server.origin = `http://127.0.0.1:${port}`;
    server.url = `${server.origin}/api`;
    server.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    return server;
  }

  // -------------------------------------------------------------------------------------------
  // Fixture

  private buildFixture(): void {
    let n = 0;
    const id = () => snowflake(FIXTURE_TIME + n++ * 1000);
    const ids = this.ids;
    ids.guild = id();
    ids.application = id();
    ids.users.bot = ids.application; // a bot user has its application's id
    ids.users.alice = id();
    ids.users.bob = id();
    ids.users.mod = id();
    ids.users.otherBot = id();
    ids.webhook = id();
    ids.roles.everyone = ids.guild; // @everyone has the guild's id
    ids.roles.staff = id();
    ids.roles.bot = id();
    ids.channels.sillytavern = id();
    ids.channels.general = id();
    ids.channels.helpForum = id();

    const user = (userId: string, username: string, bot = false) =>
      this.users.set(userId, {
        id: userId,
        username,
        global_name: bot ? null : username[0]?.toUpperCase() + username.slice(1),
        discriminator: '0',
        avatar: null,
        bot,
        ...(bot ? {} : { public_flags: 0 }),
      });
    user(ids.users.bot, 'SupportBot', true);
    user(ids.users.alice, 'alice');
    user(ids.users.bob, 'bob');
    user(ids.users.mod, 'mod');
    user(ids.users.otherBot, 'OtherBot', true);

    const joined = new Date(FIXTURE_TIME).toISOString();
    this.members.set(ids.users.bot, { roles: [ids.roles.bot], joined_at: joined });
    this.members.set(ids.users.alice, { roles: [], joined_at: joined });
    this.members.set(ids.users.bob, { roles: [], joined_at: joined });
    this.members.set(ids.users.mod, { roles: [ids.roles.staff], joined_at: joined });
    this.members.set(ids.users.otherBot, { roles: [], joined_at: joined });

    const role = (roleId: string, name: string, permissions: bigint, position: number, managed = false) =>
      this.roles.push({
        id: roleId,
        name,
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        icon: null,
        unicode_emoji: null,
        position,
        permissions: permissions.toString(),
        managed,
        mentionable: !managed,
        flags: 0,
        ...(managed ? { tags: { bot_id: ids.users.bot } } : {}),
      });
    role(ids.roles.everyone, '@everyone', BASIC_PERMISSIONS, 0);
    role(ids.roles.staff, 'Staff', STAFF_PERMISSIONS, 2);
    role(ids.roles.bot, 'SupportBot', BOT_PERMISSIONS, 1, true);

    const channel = (
      channelId: string,
      name: string,
      type: ChannelType,
      position: number,
      extra: Json = {},
    ) =>
      this.channels.set(channelId, {
        id: channelId,
        type,
        guild_id: ids.guild,
        name,
        position,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
        rate_limit_per_user: 0,
        topic: null,
        last_message_id: null,
        flags: 0,
        ...extra,
      });
    channel(ids.channels.sillytavern, 'sillytavern', ChannelType.GuildText, 0);
    channel(ids.channels.general, 'general', ChannelType.GuildText, 1);
    channel(ids.channels.helpForum, 'help-forum', ChannelType.GuildForum, 2, {
      available_tags: [],
      default_reaction_emoji: null,
      default_thread_rate_limit_per_user: 0,
      default_sort_order: null,
      default_forum_layout: 0,
      default_auto_archive_duration: 1440,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Lookups

  /** Resolves 'sillytavern', '#sillytavern', 'helpForum', 'help-forum' or an id to a channel id. */
  channelId(ref: string): string {
    const bare = ref.replace(/^#/, '');
    if (bare in this.ids.channels) return this.ids.channels[bare as ChannelKey];
    if (this.channels.has(ref)) return ref;
    for (const channel of this.channels.values()) if (channel.name === bare) return channel.id;
    throw new Error(`fake-discord: no channel ${ref}`);
  }

  /**
   * A new member without roles (a test's own asker, so that tests sharing one bot never meet each
   * other's cooldowns or conversations). Messages carry the author, so no gateway event is needed.
   */
  addMember(username: string): string {
    const userId = snowflake();
    this.users.set(userId, {
      id: userId,
      username,
      global_name: username,
      discriminator: '0',
      avatar: null,
      bot: false,
      public_flags: 0,
    });
    this.members.set(userId, { roles: [], joined_at: new Date(FIXTURE_TIME).toISOString() });
    return userId;
  }

  /** Resolves a user key ('alice') or id to a user id. */
  userId(ref: string): string {
    if (ref in this.ids.users) return this.ids.users[ref as UserKey];
    if (this.users.has(ref)) return ref;
    throw new Error(`fake-discord: no user ${ref}`);
  }

  /** A stored message (any author) as Discord would return it, or undefined. */
  message(id: string): Json | undefined {
    return this.messages.get(id);
  }

  /** A stored channel or thread, or undefined. */
  channel(id: string): Json | undefined {
    return this.channels.get(id);
  }

  private memberPayload(userId: string, withUser = true): Json {
    const member = this.members.get(userId);
    return {
      ...(withUser ? { user: this.users.get(userId) } : {}),
      nick: null,
      avatar: null,
      banner: null,
      roles: member?.roles ?? [],
      joined_at: member?.joined_at ?? new Date(FIXTURE_TIME).toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  private permissionsOf(userId: string): bigint {
    let permissions = 0n;
    for (const role of this.roles) {
      const roleId = String(role.id);
      if (roleId === this.ids.roles.everyone || this.members.get(userId)?.roles.includes(roleId)) {
        permissions |= BigInt(String(role.permissions));
      }
    }
    return permissions;
  }

  private guildPayload(): Json {
    return {
      id: this.ids.guild,
      name: 'SillyTavern (test)',
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: this.ids.users.mod,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: this.ids.channels.general,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      max_members: 500000,
      max_video_channel_users: 25,
      roles: this.roles,
      emojis: [],
      stickers: [],
    };
  }

  private guildCreatePayload(): Json {
    const channels = [...this.channels.values()];
    return {
      ...this.guildPayload(),
      joined_at: new Date(FIXTURE_TIME).toISOString(),
      large: false,
      unavailable: false,
      member_count: this.members.size,
      members: [...this.members.keys()].map((userId) => this.memberPayload(userId)),
      channels: channels.filter((c) => !isThread(c)),
      threads: channels.filter((c) => isThread(c) && !(c.thread_metadata as Json).archived),
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Test API: acting as users

  /** Posts a message as a user (MESSAGE_CREATE to the bot). Returns the message as Discord stores it. */
  postMessage(options: PostMessageOptions): Json & { id: string } {
    const channelId = this.channelId(options.channel);
    const channel = this.channels.get(channelId);
    if (channel?.type === ChannelType.GuildForum) {
      throw new Error('fake-discord: post in a forum with createForumPost(), not postMessage()');
    }
    const message = this.storeUserMessage(channelId, options);
    this.dispatchMessageCreate(message);
    return message;
  }

  /** Opens a public thread under a text channel (THREAD_CREATE). */
  createThread(options: CreateThreadOptions): Json & { id: string } {
    const parentId = this.channelId(options.parent);
    const ownerId = this.userId(options.owner ?? 'alice');
    const thread = this.storeThread(parentId, options.name, ownerId, options.fromMessage);
    this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, GUILDS);
    if (options.fromMessage) {
      const starter = this.messages.get(options.fromMessage);
      if (starter) {
        starter.thread = thread;
        this.dispatch('MESSAGE_UPDATE', { ...starter, guild_id: this.ids.guild }, GUILD_MESSAGES);
      }
    } else {
      // Discord announces a thread that has no starter message in the parent channel. The
      // announcement's content is the thread name, so a bot that answers system messages shows here.
      const announcement = this.storeUserMessage(parentId, {
        channel: parentId,
        author: ownerId,
        content: options.name,
        type: MessageType.ThreadCreated,
      });
      announcement.message_reference = { type: 0, channel_id: thread.id, guild_id: this.ids.guild };
      this.dispatchMessageCreate(announcement);
    }
    return thread;
  }

  /** Opens a forum post: a thread named `title` plus its starter message, whose id is the thread's id. */
  createForumPost(options: ForumPostOptions): { threadId: string; messageId: string } {
    const forumId = this.channelId(options.forum ?? 'helpForum');
    const authorId = this.userId(options.author ?? 'alice');
    const id = snowflake();
    const thread = this.storeThread(forumId, options.title, authorId, undefined, id);
    const message = this.storeUserMessage(
      id,
      { channel: id, author: authorId, content: options.content, attachments: options.attachments },
      id,
    );
    // Discord sends THREAD_CREATE first, then the starter message's MESSAGE_CREATE.
    this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, GUILDS);
    this.dispatchMessageCreate(message);
    return { threadId: id, messageId: id };
  }

  /** Deletes any message (MESSAGE_DELETE), as a moderator or the author would. */
  deleteMessage(messageId: string): void {
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`fake-discord: no message ${messageId}`);
    this.removeMessage(message, 'test')();
  }

  /** Edits a user's message (MESSAGE_UPDATE). */
  editMessage(messageId: string, content: string): void {
    const message = this.messages.get(messageId);
    if (!message) throw new Error(`fake-discord: no message ${messageId}`);
    message.content = content;
    message.edited_timestamp = new Date().toISOString();
    this.dispatch('MESSAGE_UPDATE', { ...message, guild_id: this.ids.guild }, GUILD_MESSAGES);
  }

  /** Runs a slash command as a user (INTERACTION_CREATE). */
  slashCommand(options: SlashCommandOptions): SentInteraction {
    const channelId = this.channelId(options.channel ?? 'sillytavern');
    const userId = this.userId(options.user ?? 'alice');
    const registered = [...this.commands.guild, ...this.commands.global].find((c) => c.name === options.name);
    const rawOptions = Array.isArray(options.options)
      ? options.options
      : Object.entries(options.options ?? {}).map(([name, value]) => ({
          name,
          value,
          type: optionType(value),
        }));
    return this.sendInteraction({
      type: InteractionType.ApplicationCommand,
      channelId,
      userId,
      permissions: options.permissions,
      data: {
        id: registered?.id ?? snowflake(),
        name: options.name,
        type: 1,
        options: rawOptions,
        ...(options.resolved ? { resolved: options.resolved } : {}),
        ...(registered && this.commands.guild.includes(registered) ? { guild_id: this.ids.guild } : {}),
      },
    });
  }

  /** Presses a button on a message (INTERACTION_CREATE, message component). */
  pressButton(options: ButtonPressOptions): SentInteraction {
    const message = this.messages.get(options.message);
    if (!message) throw new Error(`fake-discord: no message ${options.message}`);
    return this.sendInteraction({
      type: InteractionType.MessageComponent,
      channelId: message.channel_id,
      userId: this.userId(options.user ?? 'alice'),
      permissions: options.permissions,
      message: options.messageFields ? { ...message, ...options.messageFields } : message,
      data: { custom_id: options.customId, component_type: ComponentType.Button },
    });
  }

  /** Runs a message context-menu command on a message (INTERACTION_CREATE, command type 3). */
  messageCommand(options: MessageCommandOptions): SentInteraction {
    const target = this.messages.get(options.target);
    if (!target) throw new Error(`fake-discord: no message ${options.target}`);
    const registered = [...this.commands.guild, ...this.commands.global].find((c) => c.name === options.name);
    return this.sendInteraction({
      type: InteractionType.ApplicationCommand,
      channelId: target.channel_id,
      userId: this.userId(options.user ?? 'alice'),
      permissions: options.permissions,
      data: {
        id: registered?.id ?? snowflake(),
        name: options.name,
        type: 3, // ApplicationCommandType.Message
        target_id: target.id,
        // Discord sends the target message itself; the bot need not fetch it.
        resolved: { messages: { [target.id]: { ...target, guild_id: this.ids.guild } } },
        ...(registered && this.commands.guild.includes(registered) ? { guild_id: this.ids.guild } : {}),
      },
    });
  }

  /** Chooses options in a string select menu on a message (INTERACTION_CREATE, message component). */
  chooseFromMenu(options: SelectMenuOptions): SentInteraction {
    const message = this.messages.get(options.message);
    if (!message) throw new Error(`fake-discord: no message ${options.message}`);
    return this.sendInteraction({
      type: InteractionType.MessageComponent,
      channelId: message.channel_id,
      userId: this.userId(options.user ?? 'alice'),
      permissions: options.permissions,
      message,
      data: {
        custom_id: options.customId,
        component_type: ComponentType.StringSelect,
        values: options.values,
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Test API: gateway control

  /** Closes every open gateway socket with a non-1000 code, so discord.js RESUMEs. Events posted
   * meanwhile are kept and replayed on RESUME. */
  async dropGateway(code = 4000): Promise<void> {
    const closing: Promise<unknown>[] = [];
    for (const session of this.sessions.values()) {
      const socket = session.socket;
      if (!socket) continue;
      session.socket = null;
      this.logGateway({ kind: 'drop', sessionId: session.id, code });
      closing.push(new Promise((resolve) => socket.once('close', resolve)));
      socket.close(code, 'fake-discord: dropped');
    }
    await Promise.all(closing);
  }

  /** Sends op 9 INVALID_SESSION. Not resumable: discord.js reconnects and IDENTIFYs again (after
   * its 5 s identify throttle if the last IDENTIFY was recent). */
  invalidateSession(resumable = false): void {
    for (const session of this.sessions.values()) {
      if (!session.socket) continue;
      if (!resumable) session.valid = false;
      this.logGateway({ kind: 'invalid-session', sessionId: session.id });
      session.socket.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: resumable }));
    }
  }

  /** Sends op 7 RECONNECT: discord.js closes and RESUMEs. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) {
      session.socket?.send(JSON.stringify({ op: GatewayOpcodes.Reconnect, d: null }));
    }
  }

  /** Number of gateway sockets that completed IDENTIFY or RESUME and are open. */
  get connectedSessions(): number {
    return [...this.sessions.values()].filter((s) => s.socket && s.valid).length;
  }

  // -------------------------------------------------------------------------------------------
  // Test API: faults and waiting

  /** Answers the next REST call matching `matcher` with an error (default: a 429 with Retry-After 1). */
  failNext(matcher: RouteMatcher, options: FailOptions = {}): void {
    this.failures.push({
      matcher,
      options: {
        status: options.status ?? 429,
        retryAfter: options.retryAfter ?? 1,
        global: options.global ?? false,
        times: options.times ?? 1,
      },
    });
  }

  /** Resolves with the first bot message (already sent or future) matching `predicate`. Edits
   * count: a deferred reply matches once its edit does. */
  waitForBotMessage(
    predicate: (m: BotMessage) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<BotMessage> {
    return this.waitFor(
      () => this.botMessages.find(predicate),
      timeoutMs,
      () => `no matching bot message; bot sent: ${describeMessages(this.botMessages)}`,
    );
  }

  /** Resolves when `windowMs` passes without a new bot message matching `predicate`; rejects
   * as soon as one appears. */
  async expectNoBotMessage(
    predicate: (m: BotMessage) => boolean = () => true,
    windowMs = 1000,
  ): Promise<void> {
    const before = new Set(this.botMessages);
    const found = await this.waitFor(
      () => this.botMessages.find((m) => !before.has(m) && predicate(m)),
      windowMs,
      () => '',
    ).catch(() => undefined);
    if (found) throw new Error(`fake-discord: the bot sent ${describeMessages([found])}`);
  }

  /** Resolves with the callback the bot gave to an interaction. */
  waitForInteractionResponse(interactionId: string, timeoutMs = 5000): Promise<InteractionResponse> {
    return this.waitFor(
      () => this.interactionResponses.find((r) => r.interactionId === interactionId),
      timeoutMs,
      () => `no response to interaction ${interactionId}; unknown routes: ${this.unknownRoutes.join(', ')}`,
    );
  }

  /** Resolves with the first recorded REST call (already made or future) matching `matcher`. */
  waitForRequest(matcher: RouteMatcher, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.waitFor(
      () => this.requests.find((r) => matches(matcher, r)),
      timeoutMs,
      () => `no request matching ${String(matcher)}; seen: ${this.requests.map(describeRequest).join(', ')}`,
    );
  }

  /** Resolves with the first gateway log entry of `kind` at index >= `since` (a gatewayLog.length). */
  waitForGateway(kind: GatewayEventKind, timeoutMs = 5000, since = 0): Promise<GatewayLogEntry> {
    return this.waitFor(
      () => this.gatewayLog.slice(since).find((e) => e.kind === kind),
      timeoutMs,
      () => `no gateway ${kind}; log: ${this.gatewayLog.map((e) => e.kind).join(', ')}`,
    );
  }

  /** Which users/roles a bot message would notify on Discord (content + allowed_mentions rules). */
  pingsOf(message: BotMessage): Pings {
    const allowed = message.allowedMentions;
    // Without allowed_mentions Discord parses everything and pings the replied-to author;
    // with it, only the listed kinds/ids ping and replied_user defaults to false.
    const parse = new Set(allowed ? (allowed.parse ?? []) : ['users', 'roles', 'everyone']);
    const text = message.content;
    const userIds = [...text.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? '');
    const roleIds = [...text.matchAll(/<@&(\d+)>/g)].map((m) => m[1] ?? '');
    const repliedAuthor = message.replyTo ? this.messages.get(message.replyTo)?.author.id : undefined;
    return {
      everyone: parse.has('everyone') && /@(everyone|here)\b/.test(text),
      users: userIds.filter((id) => parse.has('users') || allowed?.users?.includes(id)),
      roles: roleIds.filter((id) => parse.has('roles') || allowed?.roles?.includes(id)),
      repliedUser: Boolean(repliedAuthor) && (allowed ? allowed.replied_user === true : true),
    };
  }

  /** Stops listening, closes every socket and rejects pending waits. Leaves no handles behind. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake-discord: closed'));
    }
    this.waiters.clear();
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, explain: () => string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error('fake-discord: closed'));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = find();
          if (value === undefined) return false;
          resolve(value);
          return true;
        },
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`fake-discord: timed out after ${timeoutMs} ms: ${explain()}`));
        }, timeoutMs),
        reject,
      };
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Messages, threads and interactions (shared by the test API and the REST routes)

  private storeUserMessage(
    channelId: string,
    options: PostMessageOptions,
    id: string = snowflake(),
  ): StoredMessage {
    const isWebhook = options.author === 'webhook';
    const authorId = isWebhook ? this.ids.webhook : this.userId(options.author ?? 'alice');
    const author = isWebhook
      ? { id: this.ids.webhook, username: 'GitHub', discriminator: '0000', avatar: null, bot: true }
      : (this.users.get(authorId) as StoredMessage['author']);
    const referenced = options.replyTo ? this.messages.get(options.replyTo) : undefined;
    if (options.replyTo && !referenced) throw new Error(`fake-discord: no message ${options.replyTo}`);
    const message = this.buildMessage(id, channelId, author, {
      content: options.content,
      type: options.type ?? (referenced ? MessageType.Reply : MessageType.Default),
      embeds: options.embeds ?? [],
      attachments: (options.attachments ?? []).map((a) => this.storeAttachment(channelId, a)),
      ...(isWebhook ? { webhook_id: this.ids.webhook } : {}),
      ...(referenced
        ? {
            message_reference: {
              type: 0,
              message_id: referenced.id,
              channel_id: referenced.channel_id,
              guild_id: this.ids.guild,
            },
            referenced_message: referenced,
          }
        : {}),
    });
    this.saveMessage(message);
    return message;
  }

  private buildMessage(
    id: string,
    channelId: string,
    author: StoredMessage['author'],
    fields: Json,
  ): StoredMessage {
    const content = String(fields.content ?? '');
    return {
      id,
      channel_id: channelId,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: /@(everyone|here)\b/.test(content),
      mentions: [...content.matchAll(/<@!?(\d+)>/g)]
        .map((m) => this.users.get(m[1] ?? ''))
        .filter((u): u is NonNullable<typeof u> => Boolean(u)),
      mention_roles: [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]),
      attachments: [],
      embeds: [],
      components: [],
      pinned: false,
      type: MessageType.Default,
      flags: 0,
      ...fields,
    } as StoredMessage;
  }

  private saveMessage(message: StoredMessage): void {
    this.messages.set(message.id, message);
    const channel = this.channels.get(message.channel_id);
    if (channel) {
      channel.last_message_id = message.id;
      if (isThread(channel)) {
        channel.message_count = Number(channel.message_count ?? 0) + 1;
        channel.total_message_sent = Number(channel.total_message_sent ?? 0) + 1;
      }
    }
  }

  private storeAttachment(channelId: string, input: AttachmentInput): Json {
    const id = snowflake();
    const data = Buffer.isBuffer(input.content) ? input.content : Buffer.from(input.content ?? '');
    const contentType = input.contentType ?? guessContentType(input.filename);
    this.attachmentData.set(id, { data, contentType });
    const url = `${this.origin}/attachments/${channelId}/${id}/${encodeURIComponent(input.filename)}`;
    return {
      id,
      filename: input.filename,
      size: data.length,
      url,
      proxy_url: url,
      content_type: contentType,
    };
  }

  private storeThread(
    parentId: string,
    name: string,
    ownerId: string,
    fromMessage?: string,
    id: string = fromMessage ?? snowflake(),
  ): StoredChannel {
    const parent = this.channels.get(parentId);
    if (!parent || isThread(parent)) throw new Error(`fake-discord: cannot open a thread in ${parentId}`);
    const now = new Date().toISOString();
    const thread: StoredChannel = {
      id,
      type: ChannelType.PublicThread,
      guild_id: this.ids.guild,
      parent_id: parentId,
      owner_id: ownerId,
      name,
      last_message_id: null,
      message_count: 0,
      total_message_sent: 0,
      member_count: 1,
      rate_limit_per_user: 0,
      flags: 0,
      applied_tags: [],
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
      },
    };
    this.channels.set(id, thread);
    return thread;
  }

  /** Forgets a message now; returns the MESSAGE_DELETE dispatch, to run once the REST reply is out. */
  private removeMessage(message: StoredMessage, by: 'bot' | 'test'): () => void {
    this.messages.delete(message.id);
    this.deletions.push({ channelId: message.channel_id, messageId: message.id, by });
    const bot = this.botMessages.find((m) => m.id === message.id);
    if (bot) bot.deleted = true;
    this.notify();
    return () =>
      this.dispatch(
        'MESSAGE_DELETE',
        { id: message.id, channel_id: message.channel_id, guild_id: this.ids.guild },
        GUILD_MESSAGES,
      );
  }

  private dispatchMessageCreate(message: StoredMessage): void {
    const member = this.members.has(message.author.id)
      ? this.memberPayload(message.author.id, false)
      : undefined;
    this.dispatch(
      'MESSAGE_CREATE',
      { ...message, guild_id: this.ids.guild, ...(member && !message.webhook_id ? { member } : {}) },
      GUILD_MESSAGES,
    );
  }

  private sendInteraction(spec: {
    type: InteractionType;
    channelId: string;
    userId: string;
    permissions: bigint | undefined;
    data: Json;
    message?: StoredMessage;
  }): SentInteraction {
    const id = snowflake();
    const token = `itoken-${randomBytes(12).toString('hex')}`;
    this.interactions.set(token, {
      id,
      token,
      channelId: spec.channelId,
      userId: spec.userId,
      type: spec.type,
      responded: false,
      originalMessageId: null,
      componentMessageId: spec.message?.id ?? null,
    });
    const permissions = spec.permissions ?? this.permissionsOf(spec.userId);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.ids.application,
      type: spec.type,
      data: spec.data,
      guild_id: this.ids.guild,
      guild: { id: this.ids.guild, locale: 'en-US', features: [] },
      channel_id: spec.channelId,
      channel: this.channels.get(spec.channelId),
      member: { ...this.memberPayload(spec.userId), permissions: permissions.toString() },
      token,
      version: 1,
      app_permissions: this.permissionsOf(this.ids.users.bot).toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.ids.guild },
      context: 0,
      attachment_size_limit: 26_214_400,
      ...(spec.message ? { message: { ...spec.message, guild_id: this.ids.guild } } : {}),
    });
    return { id, token };
  }

  /** Validates and stores a message the bot sends; returns an error reply when Discord would refuse it. */
  private createBotMessage(
    channelId: string,
    body: Json,
    files: RecordedFile[],
    via: BotMessage['via'],
    interaction?: Interaction,
    placeholder = false,
  ): { message: StoredMessage } | { error: Reply } {
    const channel = this.channels.get(channelId);
    if (!channel) return { error: apiError(404, 10003, 'Unknown Channel') };
    if (channel.type === ChannelType.GuildForum) {
      return { error: apiError(400, 50008, 'Cannot send messages in a non-text channel') };
    }
    const problem = validateMessageBody(body, files, placeholder);
    if (problem) return { error: problem };
    const reference = body.message_reference as Json | undefined;
    let referenced: StoredMessage | undefined;
    if (reference?.message_id) {
      referenced = this.messages.get(String(reference.message_id));
      if (!referenced && reference.fail_if_not_exists !== false) {
        return {
          error: apiError(400, 50035, 'Invalid Form Body', {
            message_reference: {
              _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }],
            },
          }),
        };
      }
    }
    const flags = Number(body.flags ?? 0);
    const botUser = this.users.get(this.ids.users.bot) as StoredMessage['author'];
    const attachments = files.map((f, index) => ({
      ...this.storeAttachment(channelId, {
        filename: f.filename,
        content: f.data,
        contentType: f.contentType,
      }),
      description: ((body.attachments as Json[] | undefined)?.[index]?.description as string) ?? null,
    }));
    const interactionFields = interaction
      ? {
          webhook_id: this.ids.application,
          application_id: this.ids.application,
          // discord.js 14.28 throws on interaction messages without authorizing_integration_owners.
          interaction_metadata: {
            id: interaction.id,
            type: interaction.type,
            user: this.users.get(interaction.userId),
            authorizing_integration_owners: { '0': this.ids.guild },
          },
        }
      : {};
    const message = this.buildMessage(snowflake(), channelId, botUser, {
      content: String(body.content ?? ''),
      embeds: (body.embeds as unknown[]) ?? [],
      components: (body.components as unknown[]) ?? [],
      attachments,
      flags,
      type: referenced ? MessageType.Reply : interaction ? MessageType.ChatInputCommand : MessageType.Default,
      ...(referenced
        ? {
            message_reference: {
              type: 0,
              message_id: referenced.id,
              channel_id: referenced.channel_id,
              guild_id: this.ids.guild,
            },
            referenced_message: referenced,
          }
        : {}),
      ...interactionFields,
    });
    this.saveMessage(message);
    this.botMessages.push({
      id: message.id,
      channelId,
      content: message.content,
      embeds: message.embeds as unknown[],
      components: message.components as unknown[],
      replyTo: referenced?.id ?? null,
      allowedMentions: body.allowed_mentions as AllowedMentions | undefined,
      flags,
      ephemeral: (flags & EPHEMERAL) !== 0,
      files,
      via,
      interactionId: interaction?.id ?? null,
      body,
      edits: [],
      deleted: false,
      createdAt: Date.now(),
    });
    return { message };
  }

  private editBotMessage(messageId: string, body: Json, files: RecordedFile[]): Reply {
    const message = this.messages.get(messageId);
    if (!message) return apiError(404, 10008, 'Unknown Message');
    if (message.author.id !== this.ids.users.bot) {
      return apiError(403, 50005, 'Cannot edit a message authored by another user');
    }
    const problem = validateMessageBody(body, files, true);
    if (problem) return problem;
    if ('content' in body) message.content = String(body.content ?? '');
    if ('embeds' in body) message.embeds = body.embeds ?? [];
    if ('components' in body) message.components = body.components ?? [];
    // Editing a deferred reply ends its "thinking…" state.
    message.flags = (Number(body.flags ?? message.flags) | (message.flags & EPHEMERAL)) & ~LOADING;
    message.edited_timestamp = new Date().toISOString();
    const record = this.botMessages.find((m) => m.id === messageId);
    if (record) {
      record.content = message.content;
      record.embeds = message.embeds as unknown[];
      record.components = message.components as unknown[];
      if ('allowed_mentions' in body) record.allowedMentions = body.allowed_mentions as AllowedMentions;
      record.edits.push(body);
      record.files.push(...files);
    }
    this.notify();
    return json(message, 200, () => {
      if ((message.flags & EPHEMERAL) === 0) {
        this.dispatch('MESSAGE_UPDATE', { ...message, guild_id: this.ids.guild }, GUILD_MESSAGES);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Gateway

  /** Sends a dispatch to every live session whose intents cover it. */
  private dispatch(t: string, d: Json, intent = 0): void {
    for (const session of this.sessions.values()) {
      if (!session.valid) continue;
      if (intent && (session.intents & intent) === 0) continue;
      this.dispatchTo(session, t, this.visibleTo(session, t, d));
    }
  }

  /** Without the MESSAGE_CONTENT intent, Discord blanks content of messages that do not mention the bot. */
  private visibleTo(session: Session, t: string, d: Json): Json {
    if ((t !== 'MESSAGE_CREATE' && t !== 'MESSAGE_UPDATE') || (session.intents & MESSAGE_CONTENT) !== 0)
      return d;
    const author = d.author as Json | undefined;
    const mentions = (d.mentions as Json[] | undefined) ?? [];
    if (author?.id === this.ids.users.bot || mentions.some((u) => u.id === this.ids.users.bot)) return d;
    return { ...d, content: '', embeds: [], attachments: [], components: [] };
  }

  private logGateway(entry: Omit<GatewayLogEntry, 'at'>): void {
    this.gatewayLog.push({ ...entry, at: Date.now() });
    if (this.options.debug || process.env.FAKE_DISCORD_DEBUG)
      console.error(`[fake-discord] gateway ${entry.kind}`);
    this.notify();
  }

  private onGatewayConnection(socket: WebSocket, url: string): void {
    const query = new URL(url, this.origin).searchParams;
    this.logGateway({ kind: 'connect', sessionId: null });
    // discord.js asks for zlib-stream only when zlib-sync is installed; this server speaks plain JSON.
    if (query.get('encoding') !== 'json' || query.has('compress') || query.get('v') !== '10') {
      socket.close(4012, 'fake-discord: v=10&encoding=json without compression only');
      return;
    }
    let session: Session | null = null;
    const send = (payload: Json) => socket.send(JSON.stringify(payload));
    send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 } });

    socket.on('message', (raw) => {
      let payload: { op: number; d: Json | number | null };
      try {
        payload = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      const d = (payload.d ?? {}) as Json;
      switch (payload.op) {
        case GatewayOpcodes.Heartbeat:
          this.logGateway({ kind: 'heartbeat', sessionId: session?.id ?? null });
          send({ op: GatewayOpcodes.HeartbeatAck });
          break;
        case GatewayOpcodes.Identify: {
          if (session) {
            socket.close(4005, 'Already authenticated.');
            return;
          }
          if (d.token !== this.token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          if (
            this.options.messageContentIntentAllowed === false &&
            (Number(d.intents ?? 0) & MESSAGE_CONTENT) !== 0
          ) {
            socket.close(4014, 'Disallowed intent(s).');
            return;
          }
          session = {
            id: randomBytes(16).toString('hex'),
            intents: Number(d.intents ?? 0),
            seq: 0,
            socket,
            sent: [],
            valid: true,
          };
          this.sessions.set(session.id, session);
          this.logGateway({ kind: 'identify', sessionId: session.id, intents: session.intents });
          this.sendReady(session);
          break;
        }
        case GatewayOpcodes.Resume: {
          const resumed = this.sessions.get(String(d.session_id));
          if (!resumed?.valid || d.token !== this.token) {
            this.logGateway({ kind: 'invalid-session', sessionId: String(d.session_id) });
            send({ op: GatewayOpcodes.InvalidSession, d: false });
            return;
          }
          session = resumed;
          if (session.socket !== socket) session.socket?.terminate();
          session.socket = socket;
          this.logGateway({ kind: 'resume', sessionId: session.id });
          const seq = Number(d.seq ?? 0);
          for (const missed of session.sent) if (missed.s > seq) socket.send(missed.frame);
          this.dispatchTo(session, 'RESUMED', {});
          this.logGateway({ kind: 'resumed', sessionId: session.id });
          break;
        }
        case GatewayOpcodes.RequestGuildMembers: {
          this.logGateway({ kind: 'request-members', sessionId: session?.id ?? null });
          if (session) this.sendMemberChunk(session, d);
          break;
        }
        default:
          // Presence and voice updates: accepted and ignored.
          break;
      }
    });

    socket.on('close', (code) => {
      if (!session || session.socket !== socket) return;
      session.socket = null;
      // A client closing with 1000/1001 ends its session on Discord; anything else may resume.
      if (code === 1000 || code === 1001) session.valid = false;
      this.logGateway({ kind: 'close', sessionId: session.id, code });
    });
    socket.on('error', () => {});
  }

  /** Sends (or, while disconnected, only keeps) one dispatch; kept frames are what RESUME replays. */
  private dispatchTo(session: Session, t: string, d: Json): void {
    session.seq += 1;
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: session.seq, d });
    session.sent.push({ s: session.seq, frame });
    // Enough for a resume, not the whole run (a SIGKILLed bot's session never resumes).
    if (session.sent.length > 500) session.sent.shift();
    session.socket?.send(frame);
    if (this.options.debug || process.env.FAKE_DISCORD_DEBUG) console.error(`[fake-discord] → ${t}`);
  }

  private sendReady(session: Session): void {
    this.dispatchTo(session, 'READY', {
      v: 10,
      user: { ...this.users.get(this.ids.users.bot), verified: true, mfa_enabled: false, flags: 0 },
      guilds: [{ id: this.ids.guild, unavailable: true }],
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard: [0, 1],
      application: { id: this.ids.application, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      geo_ordered_rtc_regions: [],
      guild_join_requests: [],
      user_settings: {},
    });
    // discord.js emits clientReady only after one GUILD_CREATE per guild listed in READY.
    this.dispatchTo(session, 'GUILD_CREATE', this.guildCreatePayload());
    this.logGateway({ kind: 'ready', sessionId: session.id });
  }

  private sendMemberChunk(session: Session, d: Json): void {
    const wanted = Array.isArray(d.user_ids)
      ? d.user_ids.map(String)
      : typeof d.user_ids === 'string'
        ? [d.user_ids]
        : null;
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    const limit = Number(d.limit ?? 0) || Number.POSITIVE_INFINITY;
    const ids = [...this.members.keys()]
      .filter((id) => (wanted ? wanted.includes(id) : String(this.users.get(id)?.username).startsWith(query)))
      .slice(0, limit);
    this.dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: this.ids.guild,
      members: ids.map((id) => this.memberPayload(id)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: wanted ? wanted.filter((id) => !this.members.has(id)) : [],
      ...(d.nonce ? { nonce: d.nonce } : {}),
    });
  }

  // -------------------------------------------------------------------------------------------
  // REST

  private async onHttpRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';

    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const attachmentId = url.pathname.split('/')[3] ?? '';
      const attachment = this.attachmentData.get(attachmentId);
      this.attachmentDownloads.push(decodeURIComponent(url.pathname.split('/')[4] ?? ''));
      if (!attachment) res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': attachment.contentType }).end(attachment.data);
      return;
    }

    const prefix = '/api/v10/';
    // Split before decoding: the webhook route has `messages/%40original`, and ids never contain '/'.
    const segments = url.pathname.startsWith(prefix)
      ? url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent)
      : null;
    const { body, files } = await parseBody(req.headers['content-type'] ?? '', raw);
    const request: RecordedRequest = {
      method,
      path: segments ? `/${segments.join('/')}` : url.pathname,
      route: null,
      query: Object.fromEntries(url.searchParams),
      body,
      files,
      authorized: req.headers.authorization === `Bot ${this.token}`,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(request);

    const reply = this.route(segments, request, files);
    request.status = reply.status;
    if (this.options.debug || process.env.FAKE_DISCORD_DEBUG) {
      console.error(`[fake-discord] ${describeRequest(request)} → ${reply.status}`);
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json';
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    this.notify();
    if (reply.after) setImmediate(() => !this.closed && reply.after?.());
  }

  private route(segments: string[] | null, request: RecordedRequest, files: RecordedFile[]): Reply {
    let found: { route: Route; params: Record<string, string> } | undefined;
    if (segments) {
      for (const route of this.routes) {
        if (route.method !== request.method) continue;
        const params = matchSegments(route.segments, segments);
        if (params) {
          found = { route, params };
          break;
        }
      }
    }
    if (!found) {
      this.unknownRoutes.push(`${request.method} ${request.path}`);
      return apiError(404, 0, '404: Not Found');
    }
    request.route = `${found.route.method} ${found.route.pattern}`;
    if (!found.route.tokenless && !request.authorized) return apiError(401, 0, '401: Unauthorized');

    const failure = this.failures.find((f) => matches(f.matcher, request));
    if (failure) {
      failure.options.times -= 1;
      if (failure.options.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      return failureReply(failure.options);
    }
    try {
      const body = (request.body ?? {}) as Json;
      return (
        found.route.handler({ params: found.params, query: request.query, body, files, request }) ??
        apiError(404, 0, '404: Not Found')
      );
    } catch (error) {
      this.errors.push(`${request.route}: ${error instanceof Error ? error.stack : String(error)}`);
      return apiError(500, 0, '500: Internal Server Error');
    }
  }

  private on(method: string, pattern: string, handler: Route['handler'], tokenless = false): void {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler, tokenless });
  }

  private buildRoutes(): void {
    const guildOnly = (guildId: string | undefined, fn: () => Reply): Reply =>
      guildId === this.ids.guild ? fn() : apiError(404, 10004, 'Unknown Guild');
    const knownChannel = (channelId: string | undefined, fn: (c: StoredChannel) => Reply): Reply => {
      const channel = this.channels.get(channelId ?? '');
      return channel ? fn(channel) : apiError(404, 10003, 'Unknown Channel');
    };
    const knownMessage = (p: Record<string, string>, fn: (m: StoredMessage) => Reply): Reply => {
      const message = this.messages.get(p.messageId ?? '');
      return message && message.channel_id === p.channelId
        ? fn(message)
        : apiError(404, 10008, 'Unknown Message');
    };

    // discord.js calls only this on login; the user and application come from READY.
    this.on('GET', '/gateway/bot', () =>
      json({
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      }),
    );
    this.on('GET', '/gateway', () => json({ url: this.gatewayUrl }));
    this.on('GET', '/users/@me', () => json(this.users.get(this.ids.users.bot)));
    this.on('GET', '/users/:userId', ({ params }) => {
      const user = this.users.get(params.userId ?? '');
      return user ? json(user) : apiError(404, 10013, 'Unknown User');
    });
    this.on('GET', '/applications/@me', () =>
      json({
        id: this.ids.application,
        name: 'SupportBot',
        icon: null,
        description: '',
        bot_public: false,
        bot_require_code_grant: false,
        bot: this.users.get(this.ids.users.bot),
        flags: 0,
        owner: this.users.get(this.ids.users.mod),
        verify_key: '0'.repeat(64),
        team: null,
      }),
    );

    // Application commands: PUT replaces the whole set (what `commands.set([...])` does).
    const commandRoutes = (scope: 'global' | 'guild', base: string) => {
      const valid = (p: Record<string, string>) =>
        p.appId === this.ids.application && (scope === 'global' || p.guildId === this.ids.guild);
      this.on('PUT', base, ({ params, body }) => {
        if (!valid(params)) return apiError(404, 10002, 'Unknown Application');
        const list = Array.isArray(body) ? (body as Json[]) : [];
        this.commands[scope] = list.map((c) => this.registerCommand(c, scope));
        return json(this.commands[scope]);
      });
      this.on('GET', base, ({ params }) =>
        valid(params) ? json(this.commands[scope]) : apiError(404, 10002, 'Unknown Application'),
      );
      this.on('POST', base, ({ params, body }) => {
        if (!valid(params)) return apiError(404, 10002, 'Unknown Application');
        const command = this.registerCommand(body, scope);
        this.commands[scope] = [...this.commands[scope].filter((c) => c.name !== command.name), command];
        return json(command, 201);
      });
      this.on('DELETE', `${base}/:commandId`, ({ params }) => {
        this.commands[scope] = this.commands[scope].filter((c) => c.id !== params.commandId);
        return noContent();
      });
    };
    commandRoutes('global', '/applications/:appId/commands');
    commandRoutes('guild', '/applications/:appId/guilds/:guildId/commands');

    this.on('GET', '/guilds/:guildId', ({ params }) =>
      guildOnly(params.guildId, () => json(this.guildPayload())),
    );
    this.on('GET', '/guilds/:guildId/channels', ({ params }) =>
      guildOnly(params.guildId, () => json([...this.channels.values()].filter((c) => !isThread(c)))),
    );
    this.on('GET', '/guilds/:guildId/roles', ({ params }) =>
      guildOnly(params.guildId, () => json(this.roles)),
    );
    this.on('GET', '/guilds/:guildId/members', ({ params }) =>
      guildOnly(params.guildId, () => json([...this.members.keys()].map((id) => this.memberPayload(id)))),
    );
    this.on('GET', '/guilds/:guildId/members/:userId', ({ params }) =>
      guildOnly(params.guildId, () =>
        this.members.has(params.userId ?? '')
          ? json(this.memberPayload(params.userId ?? ''))
          : apiError(404, 10007, 'Unknown Member'),
      ),
    );
    this.on('GET', '/guilds/:guildId/threads/active', ({ params }) =>
      guildOnly(params.guildId, () =>
        json({
          threads: [...this.channels.values()].filter(
            (c) => isThread(c) && !(c.thread_metadata as Json).archived,
          ),
          members: [],
        }),
      ),
    );

    this.on('GET', '/channels/:channelId', ({ params }) => knownChannel(params.channelId, (c) => json(c)));
    // Bots archive/lock/rename threads with PATCH /channels/:id.
    this.on('PATCH', '/channels/:channelId', ({ params, body }) =>
      knownChannel(params.channelId, (channel) => {
        if (typeof body.name === 'string') channel.name = body.name;
        if (isThread(channel)) {
          const metadata = channel.thread_metadata as Json;
          for (const key of ['archived', 'locked', 'auto_archive_duration'] as const) {
            if (key in body) metadata[key] = body[key];
          }
        }
        return json(channel, 200, () =>
          this.dispatch(isThread(channel) ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE', { ...channel }, GUILDS),
        );
      }),
    );
    this.on('GET', '/channels/:channelId/messages', ({ params, query }) =>
      knownChannel(params.channelId, (channel) => {
        let list = [...this.messages.values()].filter((m) => m.channel_id === channel.id);
        list.sort((a, b) => compareIds(b.id, a.id)); // newest first, as Discord returns them
        if (query.before) list = list.filter((m) => compareIds(m.id, query.before ?? '') < 0);
        if (query.after) list = list.filter((m) => compareIds(m.id, query.after ?? '') > 0);
        return json(list.slice(0, Number(query.limit ?? 50)));
      }),
    );
    this.on('GET', '/channels/:channelId/messages/:messageId', ({ params }) =>
      knownMessage(params, (m) => json(m)),
    );
    this.on('POST', '/channels/:channelId/messages', ({ params, body, files }) => {
      const result = this.createBotMessage(params.channelId ?? '', body, files, 'channel');
      if ('error' in result) return result.error;
      return json(result.message, 200, () => this.dispatchMessageCreate(result.message));
    });
    this.on('PATCH', '/channels/:channelId/messages/:messageId', ({ params, body, files }) =>
      knownMessage(params, (m) => this.editBotMessage(m.id, body, files)),
    );
    this.on('DELETE', '/channels/:channelId/messages/:messageId', ({ params }) =>
      knownMessage(params, (m) => noContent(this.removeMessage(m, 'bot'))),
    );
    this.on('POST', '/channels/:channelId/typing', ({ params }) =>
      knownChannel(params.channelId, () => noContent()),
    );
    const reaction = (added: boolean) => (ctx: RouteContext) =>
      knownMessage(ctx.params, (m) => {
        this.reactions.push({
          channelId: m.channel_id,
          messageId: m.id,
          emoji: ctx.params.emoji ?? '',
          added,
        });
        return noContent();
      });
    this.on('PUT', '/channels/:channelId/messages/:messageId/reactions/:emoji/@me', reaction(true));
    this.on('DELETE', '/channels/:channelId/messages/:messageId/reactions/:emoji/@me', reaction(false));
    this.on('PUT', '/channels/:channelId/thread-members/@me', ({ params }) =>
      knownChannel(params.channelId, () => noContent()),
    );
    this.on('DELETE', '/channels/:channelId/thread-members/@me', ({ params }) =>
      knownChannel(params.channelId, () => noContent()),
    );
    // Threads the bot opens: from a message, or standalone (forum posts carry their first message).
    this.on('POST', '/channels/:channelId/messages/:messageId/threads', ({ params, body }) =>
      knownMessage(params, (m) => {
        const thread = this.storeThread(
          m.channel_id,
          String(body.name ?? 'thread'),
          this.ids.users.bot,
          m.id,
        );
        return json(thread, 201, () =>
          this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, GUILDS),
        );
      }),
    );
    this.on('POST', '/channels/:channelId/threads', ({ params, body, files }) =>
      knownChannel(params.channelId, (parent) => {
        const id = snowflake();
        const thread = this.storeThread(
          parent.id,
          String(body.name ?? 'thread'),
          this.ids.users.bot,
          undefined,
          id,
        );
        const first = body.message as Json | undefined;
        if (first) {
          const result = this.createBotMessage(id, first, files, 'channel');
          if ('error' in result) {
            this.channels.delete(id);
            return result.error;
          }
          // A forum post's starter message has the thread's id.
          this.messages.delete(result.message.id);
          const record = this.botMessages.find((b) => b.id === result.message.id);
          if (record) record.id = id;
          result.message.id = id;
          this.saveMessage(result.message);
          return json({ ...thread, message: result.message }, 201, () => {
            this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, GUILDS);
            this.dispatchMessageCreate(result.message);
          });
        }
        return json(thread, 201, () =>
          this.dispatch('THREAD_CREATE', { ...thread, newly_created: true }, GUILDS),
        );
      }),
    );

    // Interactions. discord.js sends these without a bot token (auth: false).
    this.on(
      'POST',
      '/interactions/:interactionId/:token/callback',
      ({ params, body, files, query }) => this.interactionCallback(params, body, files, query),
      true,
    );
    const webhookInteraction = (p: Record<string, string>) =>
      p.appId === this.ids.application ? this.interactions.get(p.token ?? '') : undefined;
    this.on(
      'POST',
      '/webhooks/:appId/:token',
      ({ params, body, files, query }) => {
        const interaction = webhookInteraction(params);
        if (!interaction) return apiError(404, 10015, 'Unknown Webhook');
        if (!interaction.responded) return apiError(400, 10062, 'Unknown interaction');
        const result = this.createBotMessage(interaction.channelId, body, files, 'followup', interaction);
        if ('error' in result) return result.error;
        const echo = () => this.echoUnlessEphemeral(result.message);
        return query.wait === 'true' ? json(result.message, 200, echo) : noContent(echo);
      },
      true,
    );
    const webhookMessage = (p: Record<string, string>): { interaction?: Interaction; messageId?: string } => {
      const interaction = webhookInteraction(p);
      if (!interaction) return {};
      return {
        interaction,
        messageId: p.messageId === '@original' ? (interaction.originalMessageId ?? '') : p.messageId,
      };
    };
    this.on(
      'GET',
      '/webhooks/:appId/:token/messages/:messageId',
      ({ params }) => {
        const { interaction, messageId } = webhookMessage(params);
        if (!interaction) return apiError(404, 10015, 'Unknown Webhook');
        const message = this.messages.get(messageId ?? '');
        return message ? json(message) : apiError(404, 10008, 'Unknown Message');
      },
      true,
    );
    this.on(
      'PATCH',
      '/webhooks/:appId/:token/messages/:messageId',
      ({ params, body, files }) => {
        const { interaction, messageId } = webhookMessage(params);
        if (!interaction) return apiError(404, 10015, 'Unknown Webhook');
        return this.editBotMessage(messageId ?? '', body, files);
      },
      true,
    );
    this.on(
      'DELETE',
      '/webhooks/:appId/:token/messages/:messageId',
      ({ params }) => {
        const { interaction, messageId } = webhookMessage(params);
        const message = this.messages.get(messageId ?? '');
        if (!interaction || !message) return apiError(404, 10008, 'Unknown Message');
        return noContent(this.removeMessage(message, 'bot'));
      },
      true,
    );
  }

  private registerCommand(body: Json, scope: 'global' | 'guild'): RegisteredCommand {
    const existing = this.commands[scope].find((c) => c.name === body.name);
    return {
      type: 1,
      description: '',
      options: [],
      default_member_permissions: null,
      nsfw: false,
      ...body,
      id: existing?.id ?? snowflake(),
      application_id: this.ids.application,
      version: snowflake(),
      name: String(body.name),
      ...(scope === 'guild' ? { guild_id: this.ids.guild } : {}),
    };
  }

  private echoUnlessEphemeral(message: StoredMessage): void {
    if ((message.flags & EPHEMERAL) === 0) this.dispatchMessageCreate(message);
  }

  private interactionCallback(
    params: Record<string, string>,
    body: Json,
    files: RecordedFile[],
    query: Record<string, string>,
  ): Reply {
    const interaction = this.interactions.get(params.token ?? '');
    if (!interaction || interaction.id !== params.interactionId)
      return apiError(404, 10062, 'Unknown interaction');
    if (interaction.responded) return apiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body.type);
    const data = body.data as Json | undefined;
    const flags = Number(data?.flags ?? 0);
    let message: StoredMessage | undefined;
    let after: (() => void) | undefined;

    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        // A deferred reply is a "thinking…" message that the bot's editReply later fills in.
        const deferred = type === InteractionResponseType.DeferredChannelMessageWithSource;
        const payload = deferred ? { content: '', flags: flags | LOADING } : (data ?? {});
        const result = this.createBotMessage(
          interaction.channelId,
          payload,
          files,
          'interaction',
          interaction,
          deferred,
        );
        if ('error' in result) return result.error;
        message = result.message;
        interaction.originalMessageId = message.id;
        const created = message;
        after = () => this.echoUnlessEphemeral(created);
        break;
      }
      case InteractionResponseType.UpdateMessage:
      case InteractionResponseType.DeferredMessageUpdate: {
        if (!interaction.componentMessageId)
          return apiError(400, 40060, 'Interaction has no message to update');
        interaction.originalMessageId = interaction.componentMessageId;
        if (type === InteractionResponseType.UpdateMessage) {
          const reply = this.editBotMessage(interaction.componentMessageId, data ?? {}, files);
          if (reply.status !== 200) return reply;
          after = reply.after;
        }
        message = this.messages.get(interaction.componentMessageId);
        break;
      }
      case InteractionResponseType.Modal:
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
      case InteractionResponseType.Pong:
        break;
      default:
        return apiError(400, 50035, 'Invalid Form Body', {
          type: { _errors: [{ code: 'BASE_TYPE_CHOICES' }] },
        });
    }
    interaction.responded = true;
    this.interactionResponses.push({
      interactionId: interaction.id,
      type,
      data,
      ephemeral: (flags & EPHEMERAL) !== 0,
      at: Date.now(),
    });
    if (query.with_response !== 'true') return noContent(after);
    return json(
      {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: message?.id,
          response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
          response_message_ephemeral: (flags & EPHEMERAL) !== 0,
        },
        resource: { type, ...(message ? { message } : {}) },
      },
      200,
      after,
    );
  }
}

/** Starts a fake Discord on 127.0.0.1 (ephemeral port). Remember `await server.close()`. */
export function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return FakeDiscord.start(options);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isThread(channel: StoredChannel): boolean {
  return (
    channel.type === ChannelType.PublicThread ||
    channel.type === ChannelType.PrivateThread ||
    channel.type === ChannelType.AnnouncementThread
  );
}

/** ApplicationCommandOptionType of a simple option value: String 3, Integer 4, Boolean 5, Number 10. */
function optionType(value: string | number | boolean): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const value = actual[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = value;
    else if (part !== '*' && part !== value) return null;
  }
  return params;
}

function matches(matcher: RouteMatcher, request: RecordedRequest): boolean {
  const line = `${request.method} ${request.path}`;
  if (typeof matcher === 'function') return matcher(request);
  if (matcher instanceof RegExp) return matcher.test(line);
  const [method = '', path = ''] = matcher.trim().split(/\s+/, 2);
  if (method.toUpperCase() !== request.method) return false;
  return matchSegments(path.split('/').filter(Boolean), request.path.split('/').filter(Boolean)) !== null;
}

function failureReply(options: Required<FailOptions>): Reply {
  if (options.status !== 429)
    return apiError(options.status, 0, `${options.status}: injected by fake-discord`);
  const seconds = String(options.retryAfter);
  const headers: Record<string, string> = {
    'Retry-After': seconds,
    'X-RateLimit-Limit': '5',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(Date.now() / 1000 + options.retryAfter),
    'X-RateLimit-Reset-After': seconds,
    'X-RateLimit-Bucket': 'fake-discord-bucket',
    'X-RateLimit-Scope': options.global ? 'global' : 'user',
  };
  // @discordjs/rest treats the mere presence of this header as "global", whatever its value.
  if (options.global) headers['X-RateLimit-Global'] = 'true';
  return {
    status: 429,
    headers,
    body: { message: 'You are being rate limited.', retry_after: options.retryAfter, global: options.global },
  };
}

/** What Discord refuses when creating/editing a message (the mistakes a renderer can make). */
function validateMessageBody(body: Json, files: RecordedFile[], isEdit: boolean): Reply | null {
  const content = typeof body.content === 'string' ? body.content : '';
  if (content.length > 2000) {
    return apiError(400, 50035, 'Invalid Form Body', {
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
    });
  }
  const hasSomething =
    content.length > 0 ||
    (Array.isArray(body.embeds) && body.embeds.length > 0) ||
    (Array.isArray(body.components) && body.components.length > 0) ||
    files.length > 0 ||
    Boolean(body.sticker_ids) ||
    Boolean(body.poll);
  if (!isEdit && !hasSomething) return apiError(400, 50006, 'Cannot send an empty message');
  const allowed = body.allowed_mentions as AllowedMentions | undefined;
  if (allowed) {
    for (const kind of ['users', 'roles'] as const) {
      if (allowed.parse?.includes(kind) && allowed[kind]?.length) {
        return apiError(400, 50035, 'Invalid Form Body', {
          allowed_mentions: { _errors: [{ code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' }] },
        });
      }
    }
  }
  return null;
}

async function parseBody(
  contentType: string,
  raw: Buffer,
): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType.startsWith('application/json'))
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    // discord.js sends files as multipart: `payload_json` plus `files[n]`. Let undici parse it.
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(raw),
    }).formData();
    let body: unknown;
    const files: RecordedFile[] = [];
    for (const [field, value] of form) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        files.push({ field, filename: value.name, contentType: value.type, size: data.length, data });
      }
    }
    return { body, files };
  }
  return { body: raw.toString('utf8'), files: [] };
}

function guessContentType(filename: string): string {
  if (/\.(png)$/i.test(filename)) return 'image/png';
  if (/\.(jpe?g)$/i.test(filename)) return 'image/jpeg';
  if (/\.webp$/i.test(filename)) return 'image/webp';
  if (/\.(txt|log)$/i.test(filename)) return 'text/plain; charset=utf-8';
  if (/\.json$/i.test(filename)) return 'application/json';
  return 'application/octet-stream';
}

function describeRequest(r: RecordedRequest): string {
  return `${r.method} ${r.path}${r.status ? ` (${r.status})` : ''}`;
}

function describeMessages(messages: BotMessage[]): string {
  if (messages.length === 0) return '(nothing)';
  return messages
    .map((m) => `[${m.via} in ${m.channelId}] ${JSON.stringify(m.content.slice(0, 120))}`)
    .join('; ');
}
