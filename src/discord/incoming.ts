// The one place that turns a discord.js Message into the pipeline's plain IncomingMessage.
import { ChannelType, type Message, MessageType } from 'discord.js';
import type { AttachmentReader, AttachmentReport } from '../attachments/read.ts';
import { isSupportChannel } from '../pipeline/guards.ts';
import type { IncomingMessage } from '../pipeline/types.ts';

/** A forum post is a thread whose starter message has the thread's id; its title is part of the question. */
function isForumStarter(message: Message): boolean {
  const channel = message.channel;
  return channel.isThread() && channel.parent?.type === ChannelType.GuildForum && message.id === channel.id;
}

/**
 * The message a Discord reply points at. Discord sends `message_reference` (and the replied-to
 * message, or null when it was deleted) on replies; a forwarded or pinned-notice reference is not a
 * reply, so only MessageType.Reply counts.
 */
function replyTarget(message: Message<true>): IncomingMessage['replyTo'] {
  const messageId = message.reference?.messageId;
  if (message.type !== MessageType.Reply || !messageId) return undefined;
  const authorId = message.mentions.repliedUser?.id;
  return { messageId, authorId, isBot: authorId !== undefined && authorId === message.client.user?.id };
}

export function toIncoming(message: Message<true>): IncomingMessage {
  const botId = message.client.user?.id;
  const repliedUserId = message.mentions.repliedUser?.id;
  const channel = message.channel;
  const thread = channel.isThread() ? channel : undefined;
  const member = message.member;
  const roles = member
    ? [...member.roles.cache.values()].flatMap((role) => [role.id, role.name.toLowerCase()])
    : [];
  // "@SupportBot I get a 401": a mention of the bot itself at the start is just how it was asked.
  const asked = message.content.replace(new RegExp(`^\\s*<@!?${botId ?? 'none'}>[\\s,:]*`), '');
  const content = thread && isForumStarter(message) ? `${thread.name}\n${asked}`.trim() : asked;
  return {
    id: message.id,
    guildId: message.guildId,
    channelId: message.channelId,
    channelName: 'name' in channel ? channel.name : undefined,
    parentChannelId: thread?.parentId ?? undefined,
    parentChannelName: thread?.parent?.name,
    threadId: thread?.id,
    threadOwnerId: thread?.ownerId ?? undefined,
    author: {
      id: message.author.id,
      displayName: member?.displayName ?? message.author.displayName,
      isBot: message.author.bot,
      isWebhookOrSystem: Boolean(message.webhookId) || message.system,
      roles,
    },
    content,
    attachments: [...message.attachments.values()].map((a) => ({
      name: a.name,
      contentType: a.contentType ?? undefined,
      url: a.url,
      size: a.size,
    })),
    replyTo: replyTarget(message),
    mentionsOthers: message.mentions.users.some((user) => user.id !== botId && user.id !== repliedUserId),
    createdAt: message.createdTimestamp,
  };
}

/**
 * The incoming message with what its attachments show. Screenshots are read only in support
 * channels (OCR is the expensive part); text files everywhere, since a key in one is warned about
 * wherever it was posted.
 */
export async function withAttachmentText(
  incoming: IncomingMessage,
  reader: AttachmentReader | undefined,
  supportChannels: string[],
): Promise<{ incoming: IncomingMessage; report: AttachmentReport[] }> {
  if (
    !reader ||
    incoming.attachments.length === 0 ||
    incoming.author.isBot ||
    incoming.author.isWebhookOrSystem
  )
    return { incoming, report: [] };
  const images = isSupportChannel(incoming, supportChannels);
  const { texts, report } = await reader.read(incoming.attachments, { images });
  return { incoming: { ...incoming, attachmentText: texts }, report };
}
