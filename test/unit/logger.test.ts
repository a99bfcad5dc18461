import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';

// Made-up values shaped like the real thing.
const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
// A key of a self-hosted OpenAI-compatible server: no known prefix, so only the secrets list can catch it.
const LLM_KEY = 'llm-local-7f3a9c1e5b2d4f6a8c0e';
// Not configured anywhere: a user pasted their own OpenRouter key into the channel.
const PASTED_OPENROUTER_KEY = `sk-or-v1-${'a1b2c3d4e5f60718'.repeat(4)}`;
const ALL_SECRETS = [DISCORD_TOKEN, LLM_KEY, PASTED_OPENROUTER_KEY];

function memoryLogger(level = 'trace') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, secrets: [DISCORD_TOKEN, LLM_KEY], destination });
  // The logger writes through a stream; give pending writes a turn before reading.
  const written = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return lines.join('');
  };
  return { logger, written };
}

function expectNoSecret(output: string): void {
  for (const secret of ALL_SECRETS) expect(output).not.toContain(secret);
}

describe('createLogger', () => {
  it.each(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)(
    'keeps every secret out of a %s line whose message contains them',
    async (level) => {
      // Someone reading the bot's log never sees the token, the LLM key or a user's pasted key.
      const { logger, written } = memoryLogger();
      logger[level](`handling message: ${ALL_SECRETS.join(' and ')}`);
      const output = await written();
      expect(output).toContain('handling message');
      expectNoSecret(output);
    },
  );

  it('keeps secrets out of nested objects and arrays', async () => {
    // A whole incoming message logged as an object is just as safe as a plain string.
    const { logger, written } = memoryLogger();
    logger.info(
      {
        message: {
          content: `my key ${PASTED_OPENROUTER_KEY}`,
          meta: { auth: [DISCORD_TOKEN, { key: LLM_KEY }] },
        },
      },
      'incoming',
    );
    const output = await written();
    expect(output).toContain('incoming');
    expectNoSecret(output);
  });

  it('keeps secrets out of a logged error, its message and its stack', async () => {
    // A failing REST call whose error text quotes the token does not leak it into the log.
    const { logger, written } = memoryLogger();
    const error = new Error(`request failed with Authorization: Bot ${DISCORD_TOKEN} (llm ${LLM_KEY})`);
    (error as Error & { cause?: unknown }).cause = new Error(`upstream said ${PASTED_OPENROUTER_KEY}`);
    logger.error({ err: error }, 'send failed');
    logger.error(error);
    const output = await written();
    expect(output).toContain('send failed');
    expectNoSecret(output);
  });

  it('keeps secrets out of printf-style arguments', async () => {
    // logger.info('got %s', value) is redacted like any other line.
    const { logger, written } = memoryLogger();
    logger.warn('got %s from %s', DISCORD_TOKEN, LLM_KEY);
    expectNoSecret(await written());
  });

  it('keeps secrets out of child logger bindings', async () => {
    // Context attached once to a child logger is redacted on every line it writes.
    const { logger, written } = memoryLogger();
    logger
      .child({ token: DISCORD_TOKEN, pasted: PASTED_OPENROUTER_KEY })
      .info({ key: LLM_KEY }, 'child line');
    const output = await written();
    expect(output).toContain('child line');
    expectNoSecret(output);
  });

  it('marks where a secret was instead of dropping the line', async () => {
    // A moderator still sees that something was there and the rest of the line.
    const { logger, written } = memoryLogger();
    logger.info(`before ${LLM_KEY} after`);
    const output = await written();
    expect(output).toContain('before [REDACTED] after');
  });

  it('writes one JSON object per line', async () => {
    // Log tooling can parse every line.
    const { logger, written } = memoryLogger();
    logger.info({ a: 1 }, 'first');
    logger.warn('second');
    const lines = (await written()).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['first', 'second']);
  });

  it('writes nothing below the configured level', async () => {
    // LOG_LEVEL=warn keeps the log quiet about routine decisions.
    const { logger, written } = memoryLogger('warn');
    logger.info('routine');
    logger.debug('detail');
    expect(await written()).toBe('');
  });
});
