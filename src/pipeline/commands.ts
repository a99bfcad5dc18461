// The `!mute` / `!unmute` text commands. Anyone may use them, muted or not: they only ever
// change how the bot treats the person who typed them.
import type { Store } from '../store/store.ts';
import type { IncomingMessage, Outcome } from './types.ts';

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

export function handleTextCommand(message: IncomingMessage, store: Store): Outcome | undefined {
  const match = /^!(mute|unmute)\s*$/i.exec(message.content.trim());
  if (!match) return undefined;
  const command = match[1]!.toLowerCase();
  const reply = setMuted(store, message.guildId, message.author.id, command === 'mute');
  return { kind: 'command', reason: `command: !${command}`, reply };
}
