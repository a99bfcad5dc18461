// Real discord.js interactions built in-process from API payloads (the shapes Discord sends in
// INTERACTION_CREATE), run through the bot's own dispatcher. REST calls are recorded instead of sent.
import {
  type APIApplicationCommandInteractionDataOption,
  ApplicationCommandOptionType,
  type Client,
  ClientUser,
  Events,
  type Interaction,
  InteractionType,
  MessageFlags,
  PermissionFlagsBits,
} from 'discord.js';
import { vi } from 'vitest';
import { type Config, parseConfig } from '../../src/config.ts';
import { createClient } from '../../src/discord/client.ts';
import { type CommandContext, type CommandRegistry, loadCommands } from '../../src/discord/commands.ts';
import { handleInteraction } from '../../src/discord/interactions.ts';
import { createLiveKnowledge, type LiveKnowledge } from '../../src/knowledge/live.ts';
import { silentLogger } from '../../src/logger.ts';
import { openStore } from '../../src/store/store.ts';
import { ASKER_ID, addGuild, BOT_ID, GUILD_ID, SUPPORT_ID, snowflake } from './discord-payloads.ts';

export const MOD_ID = '300000000000000003';
export const HELPER_ID = '300000000000000004';
export const MODERATOR = PermissionFlagsBits.ManageMessages | PermissionFlagsBits.SendMessages;
export const MEMBER = PermissionFlagsBits.SendMessages | PermissionFlagsBits.ViewChannel;

export interface RestCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  route: string;
  body: unknown;
}

/** What the bot answered to an interaction (the callback's data). */
export interface Answer {
  type: number;
  content?: string;
  flags?: number;
  choices?: { name: string; value: string }[];
  allowed_mentions?: unknown;
  components?: { components: { type: number; custom_id?: string; options?: { value: string }[] }[] }[];
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const parsed = parseConfig({ DATABASE_PATH: ':memory:', ...overrides });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

export interface Harness {
  client: Client;
  calls: RestCall[];
  clock: { now: number };
  context: CommandContext;
  commands: CommandRegistry;
  knowledge: LiveKnowledge;
  /** Runs a slash command; `sub` is a subcommand name. Resolves with the bot's answer. */
  slash(
    name: string,
    options?: {
      sub?: string;
      values?: Record<string, string | number>;
      user?: string;
      permissions?: bigint;
      channel?: string;
    },
  ): Promise<Answer>;
  /** Asks for autocomplete choices while `option` of `sub` holds `typed`. */
  autocomplete(
    name: string,
    sub: string,
    option: string,
    typed: string,
    options?: { user?: string; permissions?: bigint },
  ): Promise<Answer>;
  /** Presses a button on a bot message. */
  press(
    message: { id: string; channelId: string },
    customId: string,
    options?: { user?: string; permissions?: bigint },
  ): Promise<Answer>;
  /** Runs a message context-menu command ("Answer with…") on a message; Discord sends the message along. */
  messageCommand(
    name: string,
    target: { id: string; channelId: string; content: string; authorId: string; bot?: boolean },
    options?: { user?: string; permissions?: bigint },
  ): Promise<Answer>;
  /** Routes of the DELETE calls made so far. */
  deleted(): string[];
  close(): Promise<void>;
}

const user = (id: string) => ({
  id,
  username: `user${id.slice(-2)}`,
  global_name: null,
  discriminator: '0',
  avatar: null,
});

/** The real knowledge folder, loaded by the first harness of a test file and shared after that. */
let defaultKnowledge: ReturnType<LiveKnowledge['current']> | undefined;

export async function createHarness(
  options: { knowledgeDir?: string; config?: Record<string, string> } = {},
): Promise<Harness> {
  const config = testConfig(options.config);
  const client = createClient(config);
  addGuild(client);
  // As after READY: the bot's own user (discord.js reads it, e.g. for guild.members.me).
  // biome-ignore lint/suspicious/noExplicitAny: ClientUser's constructor is internal.
  (client as any).user = new (ClientUser as any)(client, { ...user(BOT_ID), bot: true });
  const calls: RestCall[] = [];
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    vi.spyOn(client.rest, method).mockImplementation(async (route: string, request?: { body?: unknown }) => {
      calls.push({ method: method.toUpperCase() as RestCall['method'], route, body: request?.body });
      return undefined as never;
    });
  }
  const clock = { now: Date.now() };
  const store = openStore(':memory:', () => clock.now);
  const logger = silentLogger();
  const created = createLiveKnowledge({
    dir: options.knowledgeDir ?? 'knowledge',
    trainingFile: options.knowledgeDir ? undefined : 'eval/train.jsonl',
    logger,
    initial: options.knowledgeDir ? undefined : defaultKnowledge,
  });
  if (!created.live) throw new Error(created.problems.join('\n'));
  const knowledge = created.live;
  if (!options.knowledgeDir) defaultKnowledge ??= knowledge.current();
  const context: CommandContext = { store, knowledge, config, logger };
  const commands = await loadCommands();

  async function run(payload: Record<string, unknown>): Promise<Answer> {
    let interaction: Interaction | undefined;
    const capture = (i: Interaction) => {
      interaction = i;
    };
    client.once(Events.InteractionCreate, capture);
    // biome-ignore lint/suspicious/noExplicitAny: `actions` is how discord.js turns gateway payloads into objects.
    (client as any).actions.InteractionCreate.handle(payload);
    client.off(Events.InteractionCreate, capture);
    if (!interaction) throw new Error('discord.js did not build an interaction from the payload');
    const before = calls.length;
    await handleInteraction(interaction, { commands, context });
    const callback = calls
      .slice(before)
      .find((c) => c.method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(c.route));
    if (!callback) throw new Error(`no interaction callback; calls: ${JSON.stringify(calls.slice(before))}`);
    const body = callback.body as { type: number; data?: Omit<Answer, 'type'> };
    return { type: body.type, ...body.data };
  }

  /** The partial channel Discord sends with an interaction, from the channel cache. */
  const channelPayload = (channelId: string) => {
    const channel = client.channels.cache.get(channelId);
    if (!channel || channel.isDMBased()) throw new Error(`no guild channel ${channelId}`);
    return {
      id: channelId,
      type: channel.type,
      guild_id: GUILD_ID,
      name: channel.name,
      ...(channel.isThread() ? { parent_id: channel.parentId } : {}),
    };
  };

  const base = (type: InteractionType, userId: string, permissions: bigint, channelId = SUPPORT_ID) => ({
    id: snowflake(),
    application_id: BOT_ID,
    type,
    token: `token-${snowflake()}`,
    version: 1,
    guild_id: GUILD_ID,
    channel_id: channelId,
    channel: channelPayload(channelId),
    member: {
      user: user(userId),
      roles: [],
      permissions: String(permissions),
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
    },
    app_permissions: String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageMessages),
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': GUILD_ID },
    context: 0,
  });

  const commandData = (
    name: string,
    sub: string | undefined,
    values: Record<string, string | number>,
    focused?: string,
  ) => {
    const leaf: APIApplicationCommandInteractionDataOption[] = Object.entries(values).map(([key, value]) => ({
      name: key,
      type:
        typeof value === 'number'
          ? ApplicationCommandOptionType.Integer
          : ApplicationCommandOptionType.String,
      value,
      ...(key === focused ? { focused: true } : {}),
    })) as APIApplicationCommandInteractionDataOption[];
    return {
      id: snowflake(),
      name,
      type: 1,
      guild_id: GUILD_ID,
      options: sub ? [{ name: sub, type: ApplicationCommandOptionType.Subcommand, options: leaf }] : leaf,
    };
  };

  return {
    client,
    calls,
    clock,
    context,
    commands,
    knowledge,
    slash: (name, { sub, values = {}, user: userId = ASKER_ID, permissions = MEMBER, channel } = {}) =>
      run({
        ...base(InteractionType.ApplicationCommand, userId, permissions, channel),
        data: commandData(name, sub, values),
      }),
    autocomplete: (name, sub, option, typed, { user: userId = MOD_ID, permissions = MODERATOR } = {}) =>
      run({
        ...base(InteractionType.ApplicationCommandAutocomplete, userId, permissions),
        data: commandData(name, sub, { [option]: typed }, option),
      }),
    press: (message, customId, { user: userId = ASKER_ID, permissions = MEMBER } = {}) =>
      run({
        ...base(InteractionType.MessageComponent, userId, permissions, message.channelId),
        message: rawMessage(message),
        data: { custom_id: customId, component_type: 2 },
      }),
    messageCommand: (name, target, { user: userId = MOD_ID, permissions = MODERATOR } = {}) =>
      run({
        ...base(InteractionType.ApplicationCommand, userId, permissions, target.channelId),
        data: {
          id: snowflake(),
          name,
          type: 3, // ApplicationCommandType.Message
          guild_id: GUILD_ID,
          target_id: target.id,
          resolved: {
            messages: {
              [target.id]: {
                ...rawMessage(target),
                author: { ...user(target.authorId), bot: target.bot ?? false },
                content: target.content,
                type: 0,
              },
            },
          },
        },
      }),
    deleted: () => calls.filter((c) => c.method === 'DELETE').map((c) => c.route),
    close: async () => {
      knowledge.close();
      store.close();
      await client.destroy();
    },
  };
}

/** The API shape of a message the bot sent (enough for a component interaction). */
function rawMessage(message: { id: string; channelId: string }) {
  return {
    id: message.id,
    channel_id: message.channelId,
    guild_id: GUILD_ID,
    author: { ...user(BOT_ID), bot: true },
    content: 'an answer',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 19,
    flags: 0,
    components: [],
  };
}

export const isEphemeral = (answer: Answer) => ((answer.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
