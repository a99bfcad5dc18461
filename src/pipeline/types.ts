// Plain data that flows through the pipeline. Nothing here knows discord.js.
import type { AttachmentText } from '../attachments/read.ts';

export interface IncomingMessage {
  id: string;
  guildId: string;
  channelId: string;
  channelName?: string;
  /** The channel a thread or forum post lives in. */
  parentChannelId?: string;
  parentChannelName?: string;
  /** Set when the message is in a thread (or forum post); equals channelId then. */
  threadId?: string;
  /** Who started the thread; another human replying there means humans have taken over. */
  threadOwnerId?: string;
  author: {
    id: string;
    displayName: string;
    isBot: boolean;
    /** Webhook and system messages are never answered either. */
    isWebhookOrSystem?: boolean;
    /** Role ids and lowercase role names. */
    roles: string[];
  };
  content: string;
  attachments: { name: string; contentType?: string; url: string; size?: number }[];
  /** What the edge read in the attachments before the pipeline ran: error lines, leaked key kinds. */
  attachmentText?: AttachmentText[];
  /** The message this one replies to, if any. */
  replyTo?: { messageId: string; authorId?: string };
  createdAt: number;
}

export type OutcomeKind = 'answer' | 'followup' | 'command' | 'none';

export interface Outcome {
  kind: OutcomeKind;
  /** Text to post as a reply; absent when the bot stays silent. */
  reply?: string;
  intent?: string;
  confidence?: number;
  /** Why the bot answered or stayed silent, for logs, /kb test and the eval. */
  reason: string;
  /** Set for answers the store recorded, so the edge can attach the sent message id. */
  answerId?: number;
  /** A leaked key: the edge deletes the message if it can and then posts `replyIfDeleted`. */
  leakedKey?: { replyIfDeleted: string };
  /** The classifier's best candidates, when it was asked: for logs, the eval's misses and tuning. */
  candidates?: { intent: string; score: number }[];
  /** A hand-over to humans: posted without feedback buttons (there is nothing to rate). */
  handover?: boolean;
}
