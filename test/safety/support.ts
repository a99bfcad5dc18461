// Shared by the safety suites: made-up keys with the real shapes (from a seeded generator, so runs
// are repeatable), and helpers that look for a key or a fragment of it anywhere in a text.
import { Writable } from 'node:stream';
import { seededRandom } from '../../src/classifier/linear-model.ts';
import { createLogger } from '../../src/logger.ts';

/** mulberry32, the classifier's seeded generator: good enough to make key-like strings. */
export const seeded = seededRandom;

const HEX = '0123456789abcdef';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64URL = `${BASE62}-_`;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function draw(random: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

export interface FakeKey {
  /** What the test calls it, e.g. "an OpenAI project key". */
  label: string;
  /** The provider the warning must name. */
  provider: string;
  key: string;
}

/** One made-up key of every kind the bot knows, with the lengths and alphabets the providers use. */
export function fakeKeys(seed = 7): FakeKey[] {
  const r = seeded(seed);
  const snowflake = `1${draw(r, '0123456789', 18)}`;
  return [
    { label: 'an OpenRouter key', provider: 'OpenRouter', key: `sk-or-v1-${draw(r, HEX, 64)}` },
    {
      label: 'an OpenAI project key',
      provider: 'OpenAI',
      key: `sk-proj-${draw(r, BASE64URL, 74)}T3BlbkFJ${draw(r, BASE64URL, 74)}`,
    },
    {
      label: 'an OpenAI service-account key',
      provider: 'OpenAI',
      key: `sk-svcacct-${draw(r, BASE64URL, 74)}T3BlbkFJ${draw(r, BASE64URL, 74)}`,
    },
    {
      label: 'a legacy OpenAI key',
      provider: 'OpenAI',
      key: `sk-${draw(r, BASE62, 20)}T3BlbkFJ${draw(r, BASE62, 20)}`,
    },
    {
      label: 'an Anthropic API key',
      provider: 'Anthropic',
      key: `sk-ant-api03-${draw(r, BASE64URL, 93)}AA`,
    },
    {
      label: 'an Anthropic admin key',
      provider: 'Anthropic',
      key: `sk-ant-admin01-${draw(r, BASE64URL, 93)}AA`,
    },
    { label: 'a DeepSeek key', provider: 'DeepSeek', key: `sk-${draw(r, HEX, 32)}` },
    { label: 'a Google AI Studio key', provider: 'Google', key: `AIzaSy${draw(r, BASE64URL, 33)}` },
    { label: 'a Groq key', provider: 'Groq', key: `gsk_${draw(r, BASE62, 52)}` },
    { label: 'an xAI key', provider: 'xAI', key: `xai-${draw(r, BASE62, 80)}` },
    { label: 'a Hugging Face token', provider: 'Hugging Face', key: `hf_${draw(r, LETTERS, 34)}` },
    { label: 'a GitHub personal access token', provider: 'GitHub', key: `ghp_${draw(r, BASE62, 36)}` },
    {
      label: 'a GitHub fine-grained token',
      provider: 'GitHub',
      key: `github_pat_${draw(r, BASE62, 22)}_${draw(r, BASE62, 59)}`,
    },
    {
      label: 'a Discord bot token',
      provider: 'Discord',
      key: `${Buffer.from(snowflake).toString('base64url')}.${draw(r, BASE64URL, 6)}.${draw(r, BASE64URL, 38)}`,
    },
  ];
}

/**
 * Pieces of a key that must not show up either: a log line that cut the key in half, or kept only
 * its random middle, would still leak most of it.
 */
export function fragmentsOf(key: string): string[] {
  const middle = Math.floor(key.length / 2);
  return [key, key.slice(middle - 8, middle + 8), key.slice(-16)];
}

/** The first fragment of any key found in `text`, or undefined. */
export function leakedIn(text: string, keys: string[]): string | undefined {
  for (const key of keys)
    for (const fragment of fragmentsOf(key)) if (text.includes(fragment)) return fragment;
  return undefined;
}

/** A logger at `level` that keeps every line it writes, with the process's secrets configured. */
export function capturingLogger(level = 'trace', secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, secrets, destination });
  /** Everything written so far, after pending stream writes had a turn. */
  const written = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return lines.join('');
  };
  return { logger, lines, written };
}
