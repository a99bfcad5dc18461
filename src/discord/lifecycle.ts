// The gateway connection in the log: a bot that cannot connect, or keeps losing its connection,
// must say so and say what to do, even at the default log level.
import { type Client, Events } from 'discord.js';
import type { Logger } from '../logger.ts';

/** How long after start a bot that is not ready is worth a warning. */
export const NOT_READY_WARNING_MS = 60_000;

/** Gateway close codes that no retry will fix, and what the operator has to do. */
const FATAL_CLOSE_CODES: Record<number, string> = {
  4004: 'Discord rejected DISCORD_TOKEN. Reset the token on the Bot page of the Discord Developer Portal (https://discord.com/developers/applications) and put the new one in DISCORD_TOKEN.',
  4013: 'Discord rejected the gateway intents the bot asked for (invalid intents).',
  4014: 'Discord refused the Message Content intent. Turn on "Message Content Intent" under Privileged Gateway Intents on the Bot page of the Discord Developer Portal, then start the bot again.',
};

/** The one plain line that tells the operator why the bot cannot connect, or undefined. */
export function fatalCloseMessage(code: number): string | undefined {
  return FATAL_CLOSE_CODES[code];
}

/** The one plain line for a failed login (a rejected token, or something else). */
export function loginFailureMessage(error: unknown): string {
  const err = error as { code?: unknown; message?: unknown };
  if (err?.code === 'TokenInvalid' || /invalid token/i.test(String(err?.message))) {
    return fatalCloseMessage(4004) as string;
  }
  return `Could not log in to Discord: ${String(err?.message ?? error)}`;
}

export interface LifecycleOptions {
  logger: Logger;
  supportChannels: string[];
  /** Called with the plain line when the connection cannot recover (e.g. close 4014). */
  onFatal: (line: string) => void;
  notReadyWarningMs?: number;
}

/** Logs ready, disconnects, reconnects, resumes, invalid sessions; warns when not ready in time. */
export function attachLifecycleLogging(client: Client, options: LifecycleOptions): () => void {
  const { logger } = options;
  const notReady = setTimeout(() => {
    if (!client.isReady())
      logger.warn(
        { afterSeconds: (options.notReadyWarningMs ?? NOT_READY_WARNING_MS) / 1000 },
        'not connected to Discord yet; check the network and DISCORD_API_URL',
      );
  }, options.notReadyWarningMs ?? NOT_READY_WARNING_MS);
  notReady.unref();

  client.on(Events.ClientReady, (ready) => {
    clearTimeout(notReady);
    const wanted = options.supportChannels.map((c) => c.toLowerCase());
    const found = ready.channels.cache
      .filter((c) => 'name' in c && (wanted.includes(c.id) || wanted.includes(String(c.name).toLowerCase())))
      .map((c) => ({ id: c.id, name: 'name' in c ? c.name : undefined }));
    logger.info(
      {
        user: ready.user.tag,
        guilds: ready.guilds.cache.map((g) => ({ id: g.id, name: g.name })),
        supportChannels: found,
      },
      'ready',
    );
    if (found.length === 0)
      logger.warn(
        { wanted: options.supportChannels },
        'no support channel found in any server; check SUPPORT_CHANNELS',
      );
    // The shards exist once connected; their close events carry the code discord.js does not pass on.
    for (const shard of client.ws.shards.values()) {
      shard.on('close', (event: { code?: number }) =>
        logger.warn({ shard: shard.id, code: event?.code }, 'gateway connection closed'),
      );
    }
  });
  client.on(Events.ShardDisconnect, (event, shardId) => {
    const fatal = fatalCloseMessage(event.code);
    logger.error({ shard: shardId, code: event.code }, 'gateway disconnected for good');
    if (fatal) options.onFatal(fatal);
  });
  client.on(Events.ShardReconnecting, (shardId) =>
    logger.warn({ shard: shardId }, 'reconnecting to the gateway'),
  );
  client.on(Events.ShardResume, (shardId, replayedEvents) =>
    logger.info({ shard: shardId, replayedEvents }, 'gateway connection resumed'),
  );
  client.on(Events.ShardError, (error, shardId) =>
    logger.warn({ shard: shardId, err: { name: error.name, message: error.message } }, 'gateway error'),
  );
  // discord.js 14 reports an invalid session only in its debug text.
  client.on(Events.Debug, (text) => {
    const invalid = /Invalid session; will attempt to resume: (true|false)/.exec(text);
    if (invalid) logger.warn({ resumable: invalid[1] === 'true' }, 'gateway session invalidated');
  });
  client.rest.on('rateLimited', (info) =>
    logger.warn(
      { route: info.route, retryAfter: info.retryAfter, global: info.global },
      'rate limited by Discord',
    ),
  );
  return () => clearTimeout(notReady);
}
