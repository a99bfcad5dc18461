import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { type Config, configSchema, parseConfig, secretsOf } from '../../src/config.ts';

const ENV_EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url));

// Token-like strings: if any of them shows up in a startup message, a secret was printed.
const DISCORD_TOKEN_LIKE = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const OPENROUTER_KEY_LIKE = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;

function parsed(env: Record<string, string | undefined>): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.problems.join('; ')}`);
  return result.config;
}

function problemsOf(env: Record<string, string | undefined>): string[] {
  const result = parseConfig(env);
  if (result.ok) throw new Error('expected config problems, got a valid config');
  return result.problems;
}

describe('parseConfig defaults', () => {
  it('starts with the documented defaults when nothing is set', () => {
    // An operator with an empty .env gets a bot that watches #sillytavern with the safe defaults.
    const config = parsed({});
    expect(config).toMatchObject({
      SUPPORT_CHANNELS: ['sillytavern'],
      STAFF_ROLES: [],
      DATABASE_PATH: 'data/bot.sqlite',
      KNOWLEDGE_DIR: 'knowledge',
      FOLLOWUP_WINDOW_MINUTES: 10,
      USER_COOLDOWN_SECONDS: 30,
      CHANNEL_MAX_ANSWERS_PER_MINUTE: 6,
      UNANSWERED_RETENTION_DAYS: 30,
      ANSWER_RETENTION_DAYS: 90,
      LOG_LEVEL: 'info',
      LLM_BASE_URL: 'https://api.openai.com/v1',
      LLM_MODEL: 'gpt-4o-mini',
      LLM_TIMEOUT_MS: 4000,
      LLM_MAX_CALLS_PER_HOUR: 200,
      LLM_ACCEPTS_IMAGES: false,
    });
    expect(config.DISCORD_TOKEN).toBeUndefined();
    expect(config.DISCORD_API_URL).toBeUndefined();
    expect(config.LLM_API_KEY).toBeUndefined();
  });

  it('treats empty and blank values as not set', () => {
    // A copied .env.example with every value left empty still starts with the defaults.
    const config = parsed({ SUPPORT_CHANNELS: '', LOG_LEVEL: '   ', DISCORD_TOKEN: '' });
    expect(config.SUPPORT_CHANNELS).toEqual(['sillytavern']);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DISCORD_TOKEN).toBeUndefined();
  });

  it('ignores environment variables that are not configuration keys', () => {
    // PATH, HOME and friends in the real environment never cause a startup error.
    const config = parsed({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'not a number' });
    expect(config.SUPPORT_CHANNELS).toEqual(['sillytavern']);
  });

  it('turns numeric strings into numbers', () => {
    // USER_COOLDOWN_SECONDS=0 in .env switches the cooldown off rather than being a string "0".
    const config = parsed({ USER_COOLDOWN_SECONDS: '0', FOLLOWUP_WINDOW_MINUTES: '15' });
    expect(config.USER_COOLDOWN_SECONDS).toBe(0);
    expect(config.FOLLOWUP_WINDOW_MINUTES).toBe(15);
  });

  it('reads LLM_ACCEPTS_IMAGES=true as a boolean', () => {
    // Setting the flag lets screenshots go to the LLM; the text "false" must not count as on.
    expect(parsed({ LLM_ACCEPTS_IMAGES: 'true' }).LLM_ACCEPTS_IMAGES).toBe(true);
    expect(parsed({ LLM_ACCEPTS_IMAGES: 'false' }).LLM_ACCEPTS_IMAGES).toBe(false);
  });
});

describe('SUPPORT_CHANNELS parsing', () => {
  it('accepts a channel name written with a leading #', () => {
    // A moderator who writes "#sillytavern" as in Discord gets the bot in that channel.
    expect(parsed({ SUPPORT_CHANNELS: '#sillytavern' }).SUPPORT_CHANNELS).toEqual(['sillytavern']);
  });

  it('accepts a channel name written without #', () => {
    // "help" and "#help" mean the same channel.
    expect(parsed({ SUPPORT_CHANNELS: 'help' }).SUPPORT_CHANNELS).toEqual(['help']);
  });

  it('accepts a channel id', () => {
    // A channel id keeps working after the channel is renamed.
    expect(parsed({ SUPPORT_CHANNELS: '123456789012345678' }).SUPPORT_CHANNELS).toEqual([
      '123456789012345678',
    ]);
  });

  it('splits a comma list, trims spaces, lowercases names and drops empty items', () => {
    // "#SillyTavern, help ,, 1234" watches three channels whatever the spacing or case.
    expect(
      parsed({ SUPPORT_CHANNELS: ' #SillyTavern, help ,, 123456789012345678,' }).SUPPORT_CHANNELS,
    ).toEqual(['sillytavern', 'help', '123456789012345678']);
  });

  it('parses STAFF_ROLES the same way', () => {
    // "Moderator, Helper" exempts members of both roles, matched case-insensitively.
    expect(parsed({ STAFF_ROLES: 'Moderator, Helper' }).STAFF_ROLES).toEqual(['moderator', 'helper']);
  });
});

describe('parseConfig problems', () => {
  const badEnv = {
    DISCORD_TOKEN: DISCORD_TOKEN_LIKE,
    DISCORD_API_URL: DISCORD_TOKEN_LIKE,
    LLM_BASE_URL: OPENROUTER_KEY_LIKE,
    LLM_API_KEY: OPENROUTER_KEY_LIKE,
    FOLLOWUP_WINDOW_MINUTES: 'tenQ7minutes',
    CHANNEL_MAX_ANSWERS_PER_MINUTE: '-3',
    LOG_LEVEL: 'loudQ7level',
    LLM_ACCEPTS_IMAGES: 'yes',
  };
  const badKeys = [
    'DISCORD_API_URL',
    'LLM_BASE_URL',
    'FOLLOWUP_WINDOW_MINUTES',
    'CHANNEL_MAX_ANSWERS_PER_MINUTE',
    'LOG_LEVEL',
    'LLM_ACCEPTS_IMAGES',
  ];

  it('lists one problem per bad key, all at once', () => {
    // The operator sees every mistake in .env on the first failed start, not one per restart.
    const problems = problemsOf(badEnv);
    expect(problems).toHaveLength(badKeys.length);
    for (const key of badKeys) expect(problems.filter((p) => p.startsWith(`${key}:`))).toHaveLength(1);
  });

  it('never echoes a secret or a bad value in any problem', () => {
    // A token pasted into the wrong key is not printed to the terminal or the log.
    const text = problemsOf(badEnv).join('\n');
    expect(text).not.toContain(DISCORD_TOKEN_LIKE);
    expect(text).not.toContain(OPENROUTER_KEY_LIKE);
    expect(text).not.toContain('sk-or-v1');
    expect(text).not.toContain('MTIzNDU2');
    expect(text).not.toContain('loudQ7level');
    expect(text).not.toContain('tenQ7minutes');
  });

  it('refuses a DISCORD_API_URL that is not http or https without printing it', () => {
    // A URL with credentials in it is rejected by name only.
    const secretUrl = `ftp://bot:${DISCORD_TOKEN_LIKE}@proxy.example/api`;
    const problems = problemsOf({ DISCORD_API_URL: secretUrl });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DISCORD_API_URL: .*http/);
    expect(problems[0]).not.toContain(DISCORD_TOKEN_LIKE);
  });

  it('accepts a local http DISCORD_API_URL', () => {
    // The wire tests point the bot at a local Discord-compatible server.
    expect(parsed({ DISCORD_API_URL: 'http://127.0.0.1:3999/api' }).DISCORD_API_URL).toBe(
      'http://127.0.0.1:3999/api',
    );
  });
});

describe('secretsOf', () => {
  it('returns the Discord token and the LLM key, and nothing else', () => {
    // These are the values the logger cuts out of every line.
    const config = parsed({ DISCORD_TOKEN: DISCORD_TOKEN_LIKE, LLM_API_KEY: OPENROUTER_KEY_LIKE });
    expect(secretsOf(config).sort()).toEqual([DISCORD_TOKEN_LIKE, OPENROUTER_KEY_LIKE].sort());
  });

  it('returns nothing when no secret is configured', () => {
    // The console chat runs without any secret to hide.
    expect(secretsOf(parsed({}))).toEqual([]);
  });
});

describe('.env.example', () => {
  const source = readFileSync(ENV_EXAMPLE, 'utf8');
  const lines = source.split('\n');
  const keyLines = lines
    .map((line, index) => ({ index, match: /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line) }))
    .filter((row) => row.match !== null);
  const exampleKeys = keyLines.map((row) => row.match![1]!);
  const schemaKeys = Object.keys(configSchema.shape);

  it('documents every key of the config schema', () => {
    // An operator reading .env.example finds every setting the bot reads.
    expect(schemaKeys.filter((key) => !exampleKeys.includes(key))).toEqual([]);
  });

  it('documents no key the config schema does not know', () => {
    // No stale or misspelt setting in the example that the bot would silently ignore.
    expect(exampleKeys.filter((key) => !schemaKeys.includes(key))).toEqual([]);
  });

  it('lists each key once', () => {
    // A duplicated key would make the later line silently win.
    expect(new Set(exampleKeys).size).toBe(exampleKeys.length);
  });

  it('puts a comment line with the default and an example above every key', () => {
    // Each setting explains itself right where the operator edits it.
    for (const { index, match } of keyLines) {
      const comment = lines[index - 1] ?? '';
      expect(comment, `comment above ${match![1]}`).toMatch(/^# .*Default: .*Example: /);
    }
  });

  it('leaves every secret empty', () => {
    // Nobody commits a real token by copying the example file.
    const values = dotenv.parse(source);
    expect(values.DISCORD_TOKEN).toBe('');
    expect(values.LLM_API_KEY).toBe('');
  });

  it('is itself a valid configuration', () => {
    // Copying .env.example to .env and starting the chat works without edits.
    expect(parseConfig(dotenv.parse(source))).toMatchObject({ ok: true });
  });
});
