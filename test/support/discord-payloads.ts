// Discord API payloads (v10 shapes) for building real discord.js objects in-process.
import { ChannelType, type Client, type Message } from 'discord.js';

export const GUILD_ID = '100000000000000001';
export const SUPPORT_ID = '200000000000000001';
export const GENERAL_ID = '200000000000000002';
export const FORUM_ID = '200000000000000003';
export const BOT_ID = '300000000000000001';
export const ASKER_ID = '300000000000000002';

const user = (id: string, username: string, bot = false) => ({
  id,
  username,
  global_name: username,
  discriminator: '0',
  avatar: null,
  bot,
});

/** Adds a guild with #sillytavern, #general and a forum to a (not logged in) client. */
export function addGuild(client: Client) {
  const channel = (id: string, name: string, type: ChannelType) => ({
    id,
    name,
    type,
    guild_id: GUILD_ID,
    position: 0,
    permission_overwrites: [],
  });
  // biome-ignore lint/suspicious/noExplicitAny: _add is discord.js's internal cache entry point.
  return (client.guilds as any)._add({
    id: GUILD_ID,
    name: 'Test guild',
    owner_id: ASKER_ID,
    roles: [
      {
        id: GUILD_ID,
        name: '@everyone',
        permissions: '0',
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
      },
    ],
    channels: [
      channel(SUPPORT_ID, 'sillytavern', ChannelType.GuildText),
      channel(GENERAL_ID, 'general', ChannelType.GuildText),
      channel(FORUM_ID, 'help-forum', ChannelType.GuildForum),
    ],
    members: [],
    emojis: [],
    features: [],
  });
}

let nextId = 400000000000000000n;
export const snowflake = () => String(++nextId);

export function addThread(client: Client, parentId: string, name: string, ownerId = ASKER_ID) {
  // biome-ignore lint/suspicious/noExplicitAny: internal cache entry point, as above.
  return (client.channels as any)._add({
    id: snowflake(),
    name,
    type: ChannelType.PublicThread,
    guild_id: GUILD_ID,
    parent_id: parentId,
    owner_id: ownerId,
    thread_metadata: { archived: false, auto_archive_duration: 1440, locked: false },
  });
}

export function makeMessage(
  client: Client,
  channelId: string,
  content: string,
  options: { id?: string; authorId?: string; bot?: boolean; webhookId?: string } = {},
): Message<true> {
  const channel = client.channels.cache.get(channelId);
  if (!channel?.isTextBased()) throw new Error(`no text channel ${channelId}`);
  // biome-ignore lint/suspicious/noExplicitAny: internal cache entry point, as above.
  return (channel.messages as any)._add({
    id: options.id ?? snowflake(),
    channel_id: channelId,
    guild_id: GUILD_ID,
    author: user(options.authorId ?? ASKER_ID, options.bot ? 'somebot' : 'asker', options.bot),
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 0,
    webhook_id: options.webhookId,
  });
}
