// Cheap checks that decide a message is not the bot's business, before any classification.
import type { Config } from '../config.ts';
import type { IncomingMessage, Reason, Reservation } from './types.ts';

type LimitReason = Extract<Reason, 'silent: user cooldown' | 'silent: channel answer cap reached'>;

export function isSupportChannel(message: IncomingMessage, supportChannels: string[]): boolean {
  // A thread counts by its parent only: a thread titled "sillytavern" under #general does not.
  const names = (
    message.threadId
      ? [message.parentChannelId, message.parentChannelName]
      : [message.channelId, message.channelName]
  )
    .filter((v): v is string => Boolean(v))
    .map((v) => v.toLowerCase());
  return supportChannels.some((wanted) => names.includes(wanted));
}

export function isStaff(message: IncomingMessage, staffRoles: string[]): boolean {
  return (
    staffRoles.length > 0 && message.author.roles.some((role) => staffRoles.includes(role.toLowerCase()))
  );
}

/** The conversation a message belongs to: its thread, or the channel outside threads. */
export function conversationOf(message: IncomingMessage): string {
  return message.threadId ?? message.channelId;
}

/**
 * Who and where the rate limits count a reply: the asker in this server, and the channel. A thread
 * or forum post counts as its parent channel, so a flood spread over many threads (every forum post
 * is one) still shares the one cap.
 */
export function rateLimitKeys(message: IncomingMessage): { user: string; channel: string } {
  return {
    user: `${message.guildId}:${message.author.id}`,
    channel: `${message.guildId}:${message.parentChannelId ?? message.channelId}`,
  };
}

/** Per-user cooldown between answers and a per-channel cap on answers per minute. */
export function createRateLimits(
  config: Pick<Config, 'USER_COOLDOWN_SECONDS' | 'CHANNEL_MAX_ANSWERS_PER_MINUTE'>,
) {
  const lastAnswerTo = new Map<string, number>();
  const answersIn = new Map<string, number[]>();
  /** Why an answer must not be sent now, or undefined. */
  function check(userKey: string, channelId: string, now: number, cooldown = true): LimitReason | undefined {
    const last = lastAnswerTo.get(userKey);
    if (cooldown && last !== undefined && now - last < config.USER_COOLDOWN_SECONDS * 1000)
      return 'silent: user cooldown';
    const recent = (answersIn.get(channelId) ?? []).filter((t) => now - t < 60_000);
    answersIn.set(channelId, recent);
    if (recent.length >= config.CHANNEL_MAX_ANSWERS_PER_MINUTE) return 'silent: channel answer cap reached';
    return undefined;
  }
  function note(userKey: string, channelId: string, now: number): void {
    lastAnswerTo.set(userKey, now);
    answersIn.get(channelId)?.push(now) ?? answersIn.set(channelId, [now]);
    // Bound the maps in a long run: forget users whose cooldown is long over.
    if (lastAnswerTo.size > 5_000) {
      for (const [k, t] of lastAnswerTo)
        if (now - t > config.USER_COOLDOWN_SECONDS * 1000) lastAnswerTo.delete(k);
    }
  }
  return {
    check,
    note,
    /**
     * Checks and, when allowed, holds a slot for one reply: the slot counts at once, so a burst
     * cannot start an LLM call for each message, and is given back with `release()` when the reply
     * is not sent after all. Returns why it must not be sent instead, when it must not.
     * `cooldown: false` for follow-ups: an asker who reads the answer and asks "why?" at once is
     * not flooding, and each follow-up is sent at most once per exchange anyway.
     */
    reserve(
      keys: { user: string; channel: string },
      now: number,
      { cooldown = true } = {},
    ): { reservation: Reservation } | { limited: LimitReason } {
      const limited = check(keys.user, keys.channel, now, cooldown);
      if (limited) return { limited };
      const previousAnswer = lastAnswerTo.get(keys.user);
      note(keys.user, keys.channel, now);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (previousAnswer === undefined) lastAnswerTo.delete(keys.user);
        else lastAnswerTo.set(keys.user, previousAnswer);
        const recent = answersIn.get(keys.channel);
        const index = recent?.lastIndexOf(now) ?? -1;
        if (index >= 0) recent?.splice(index, 1);
      };
      return { reservation: { release } };
    },
  };
}
