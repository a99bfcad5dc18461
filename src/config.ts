// The only module that reads the environment: dotenv once, then one zod schema.
// Every problem is reported at once, and no value is ever echoed back (some are secrets).
import dotenv from 'dotenv';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim().replace(/^#/, '').toLowerCase())
    .filter(Boolean),
);

const optionalText = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_API_URL: z
    .string()
    .trim()
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
    .optional(),
  DISCORD_GUILD_ID: optionalText,
  SUPPORT_CHANNELS: list.default(['sillytavern']),
  STAFF_ROLES: list.default([]),
  DATABASE_PATH: z.string().trim().min(1).default('data/bot.sqlite'),
  KNOWLEDGE_DIR: z.string().trim().min(1).default('knowledge'),
  TRAINING_CORPUS: z.string().trim().min(1).default('eval/train.jsonl'),
  FOLLOWUP_WINDOW_MINUTES: positiveInt(10),
  USER_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(30),
  CHANNEL_MAX_ANSWERS_PER_MINUTE: positiveInt(6),
  UNANSWERED_RETENTION_DAYS: positiveInt(30),
  ANSWER_RETENTION_DAYS: positiveInt(90),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** OCR worker threads for screenshots; 0 reads no screenshots. */
  OCR_WORKERS: z.coerce.number().int().min(0).max(8).default(2),
  OCR_TIMEOUT_MS: positiveInt(3000),
  LLM_API_KEY: optionalText,
  LLM_BASE_URL: z.string().trim().url().default('https://api.openai.com/v1'),
  LLM_MODEL: z.string().trim().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: positiveInt(4000),
  LLM_MAX_CALLS_PER_HOUR: positiveInt(200),
  LLM_ACCEPTS_IMAGES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

export type Config = z.output<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Validates an environment-like object. Empty strings count as "not set", as in most .env files. */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') relevant[key] = value;
  }
  const result = configSchema.safeParse(relevant);
  if (result.success) return { ok: true, config: result.data };
  // zod messages describe the rule, not the input, so secrets cannot leak through them.
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
  );
  return { ok: false, problems };
}

/** Reads `.env` (without overriding variables already set) and validates the result. */
export function loadConfig(): ConfigResult {
  dotenv.config({ quiet: true, path: process.env.DOTENV_CONFIG_PATH ?? '.env' });
  return parseConfig(process.env);
}

/** Values that must never appear in logs or replies. */
export function secretsOf(config: Config): string[] {
  return [config.DISCORD_TOKEN, config.LLM_API_KEY].filter((s): s is string => Boolean(s));
}
