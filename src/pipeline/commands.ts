// The `!mute` / `!unmute` text commands. Anyone may use them, muted or not: they only ever
// change how the bot treats the person who typed them.
import type { Store } from '../store/store.ts';
import type { Decision, IncomingMessage } from './types.ts';

export const MUTE_REPLIES = {
  muted: "Okay, I won't respond to your messages anymore. Type `!unmute` if you change your mind.",
  alreadyMuted: "You're already muted: I won't respond to your messages. Type `!unmute` to undo it.",
  unmuted: "Okay, I'll respond to your questions again. Type `!mute` to stop me.",
  notMuted: "You weren't muted: I already respond to your questions. Type `!mute` to stop me.",
} as const;

/** Replies for a mute change, shared by the `!` form and the slash commands. */
export function setMuted(store: Store, guildId: string, userId: string, muted: boolean): string {
  if (muted) return store.mute(guildId, userId) ? MUTE_REPLIES.muted : MUTE_REPLIES.alreadyMuted;
  return store.unmute(guildId, userId) ? MUTE_REPLIES.unmuted : MUTE_REPLIES.notMuted;
}

/**
 * `!mute` / `!unmute`: the reply says what will change; commit applies it (the edge commits these
 * before sending, so a mute counts even when the acknowledgement cannot be posted).
 */
export function decideTextCommand(message: IncomingMessage, store: Store): Decision | undefined {
  const match = /^!(mute|unmute)\s*$/i.exec(message.content.trim());
  if (!match) return undefined;
  const mute = match[1]!.toLowerCase() === 'mute';
  const already = store.isMuted(message.guildId, message.author.id);
  const reply = mute
    ? already
      ? MUTE_REPLIES.alreadyMuted
      : MUTE_REPLIES.muted
    : already
      ? MUTE_REPLIES.unmuted
      : MUTE_REPLIES.notMuted;
  return { kind: 'command', reason: mute ? 'command: !mute' : 'command: !unmute', reply, mute };
}

/** Applies a decided `!mute` / `!unmute` (part of commit). */
export function applyTextCommand(store: Store, message: IncomingMessage, decision: Decision): void {
  if (decision.mute === true) store.mute(message.guildId, message.author.id);
  if (decision.mute === false) store.unmute(message.guildId, message.author.id);
}

/** A text command: the edge lets it overtake the asker's pending messages. */
export const isTextCommand = (content: string) => /^!(mute|unmute)\s*$/i.test(content.trim());
