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
  /** The message this one replies to, if any (a Discord reply: `message_reference`). */
  replyTo?: {
    messageId: string;
    authorId?: string;
    /** The replied-to message is the bot's own (an answer, a follow-up, an acknowledgement). */
    isBot?: boolean;
  };
  /** The message mentions a user other than the bot: it is addressed to that person. */
  mentionsOthers?: boolean;
  createdAt: number;
}

export type DecisionKind = 'answer' | 'followup' | 'handover' | 'command' | 'warning' | 'silent';

/**
 * Why the bot decided what it did. A closed list, so logs, `/kb test`, the eval and tests compare
 * codes the compiler knows instead of free text.
 */
export type Reason =
  | 'ignored: bot, webhook or system message'
  | 'ignored: already handled this message'
  | 'ignored: edited message'
  | 'ignored: already warned about this key'
  | 'leaked API key'
  | 'ignored: not a support channel'
  | 'command: !mute'
  | 'command: !unmute'
  | 'ignored: staff member'
  | 'ignored: user muted the bot'
  | 'ignored: channel paused'
  | 'ignored: humans took over this thread'
  | 'ignored: someone replied to the asker'
  | 'ignored: reply to someone else'
  | 'ignored: reply to an answer for someone else'
  | 'ignored: advice to someone else'
  | 'ignored: handed over to humans'
  | 'silent: the asker closed the conversation'
  | 'silent: already sent this follow-up'
  | 'silent: user cooldown'
  | 'silent: channel answer cap reached'
  | 'silent: no confident answer'
  | 'silent: entry disappeared in a reload'
  | 'silent: already answered this in this conversation'
  | 'follow-up: why'
  | 'follow-up: fix'
  | 'follow-up: still not solved, handed over to humans'
  | 'answer'
  | 'answer (llm judge)';

/** What commit records once Discord accepted the reply. */
export interface AnswerToRecord {
  kind: 'answer' | 'followup' | 'handover';
  intent: string;
  decidedBy: string;
  confidence?: number;
  /** Follow-ups and hand-overs: the answer they follow. */
  exchangeId?: number;
  section?: 'why' | 'fix';
}

/** A rate-limit slot held for a reply; given back when the reply is not sent. */
export interface Reservation {
  release(): void;
}

/** What to do with one message. `decide` returns it; the edge sends `reply`, then commits. */
export interface Decision {
  kind: DecisionKind;
  reason: Reason;
  /** Text to post as a reply; absent when the bot stays silent. */
  reply?: string;
  intent?: string;
  confidence?: number;
  /** The classifier's rule (e.g. "silent: low confidence"), when it was asked. */
  rule?: string;
  /** The classifier's best candidates, when it was asked: for logs, the eval's misses and tuning. */
  candidates?: { intent: string; score: number }[];
  /** A leaked key: the edge deletes the message if it can and then posts `replyIfDeleted`. */
  leakedKey?: { replyIfDeleted: string };
  /** Answers and follow-ups get feedback buttons; commands, hand-overs and warnings do not. */
  feedback?: boolean;
  /** Recorded by commit, only after the reply was sent. */
  record?: AnswerToRecord;
  /** The asker's earlier message this answer also answers (a question split over two messages). */
  completes?: string;
  /** A help request nobody answered, kept (shortened, keys redacted) for moderators. */
  unanswered?: { text: string; topIntent?: string; confidence?: number; rule: string };
  /** A text command's effect: applied by commit whether or not the acknowledgement got through. */
  mute?: boolean;
  reservation?: Reservation;
}

/** What `handle` returns (the console chat, the eval, tests): the decision and its record id. */
export type Outcome = Decision & { answerId?: number };
