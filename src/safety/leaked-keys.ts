// Live-looking API keys. A channel about API keys is where people paste them. Each kind is the
// provider's documented prefix plus a long run of key characters (its one capture group: the random
// part), and the random part must look generated: "sk-or-v1-…" in prose, placeholders such as
// "sk-or-v1-xxxxxxxx…", model ids and long hyphenated slugs ("sk-learn-…", "task-specific-…") never
// match. Formats: OpenRouter sk-or-v1- + 64 hex; OpenAI sk-proj-/sk-svcacct-/sk-admin- + ~156
// base64url chars, legacy sk- + 48 base62; Anthropic sk-ant-api03-/admin01-/oat01- + ~95 base64url;
// DeepSeek sk- + 32 hex; Google AIza + 35; Groq gsk_ + 52; xAI xai- + 80; Hugging Face hf_ + 34;
// GitHub ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_ + 82; Discord base64(user id).6.27-38.
export interface KeyKind {
  provider: string;
  /** Where the owner revokes it. */
  revokeAt: string;
  /** Global; its first capture group is the random part of the key. */
  pattern: RegExp;
  /** Rules out look-alikes; receives the random part (the capture group). */
  plausible?: (body: string) => boolean;
}

// No key character right before a prefix: "task-…" or "desk-ant-…" is a word, not "sk-…".
const START = '(?<![A-Za-z0-9_-])';

/** Distinct characters: a placeholder like "xxxx…" or "0000…" has very few. */
const varied = (body: string, min = 8) => new Set(body).size >= min;
const hasUpper = (body: string) => /[A-Z]/.test(body);
const hasLower = (body: string) => /[a-z]/.test(body);
const hasDigit = (body: string) => /[0-9]/.test(body);

/**
 * A generated key in base64url (random upper, lower and digits, an occasional - or _), not a
 * hyphenated slug: slugs are lower-case words with a separator every few characters.
 */
function generated(body: string): boolean {
  const separators = body.replace(/[A-Za-z0-9]/g, '').length;
  return (
    varied(body, 12) && hasUpper(body) && hasLower(body) && hasDigit(body) && separators <= body.length / 10
  );
}

/** The first part of a Discord token is the bot's user id (a snowflake) in base64. */
function encodesSnowflake(body: string): boolean {
  return /^\d{17,20}$/.test(Buffer.from(body, 'base64url').toString('latin1'));
}

export const KEY_KINDS: readonly KeyKind[] = [
  {
    provider: 'OpenRouter',
    revokeAt: 'https://openrouter.ai/settings/keys',
    pattern: /sk-or-v1-([A-Za-z0-9]{20,})/g,
    plausible: (body) => varied(body),
  },
  {
    provider: 'Anthropic',
    revokeAt: 'https://console.anthropic.com/settings/keys',
    pattern: new RegExp(`${START}sk-ant-[a-z]{2,8}\\d{2}-([A-Za-z0-9_-]{32,})`, 'g'),
    plausible: generated,
  },
  {
    provider: 'OpenAI',
    revokeAt: 'https://platform.openai.com/api-keys',
    // Project, service-account and admin keys (base64url), or a legacy key (base62, no separators).
    // sk- plus exactly 32 hex characters is DeepSeek's format, below.
    pattern: new RegExp(
      `${START}sk-(?:(?:proj|svcacct|admin)-([A-Za-z0-9_-]{40,})|(?![a-f0-9]{32}(?![A-Za-z0-9_-]))([A-Za-z0-9]{32,})(?![A-Za-z0-9_-]))`,
      'g',
    ),
    plausible: generated,
  },
  {
    provider: 'DeepSeek',
    revokeAt: 'https://platform.deepseek.com/api_keys',
    pattern: new RegExp(`${START}sk-([a-f0-9]{32})(?![A-Za-z0-9_-])`, 'g'),
    plausible: (body) => varied(body) && hasDigit(body) && hasLower(body),
  },
  {
    provider: 'Google',
    revokeAt: 'https://aistudio.google.com/app/apikey',
    pattern: /AIza([0-9A-Za-z_-]{35})/g,
    plausible: (body) => varied(body),
  },
  {
    provider: 'Groq',
    revokeAt: 'https://console.groq.com/keys',
    pattern: new RegExp(`${START}gsk_([A-Za-z0-9]{40,})`, 'g'),
    plausible: generated,
  },
  {
    provider: 'xAI',
    revokeAt: 'https://console.x.ai',
    pattern: new RegExp(`${START}xai-([A-Za-z0-9]{40,})`, 'g'),
    plausible: generated,
  },
  {
    provider: 'Hugging Face',
    revokeAt: 'https://huggingface.co/settings/tokens',
    pattern: new RegExp(`${START}hf_([A-Za-z0-9]{30,})`, 'g'),
    plausible: (body) => varied(body, 12) && hasUpper(body) && hasLower(body),
  },
  {
    provider: 'GitHub',
    revokeAt: 'https://github.com/settings/tokens',
    pattern: new RegExp(`${START}(?:gh[pousr]_([A-Za-z0-9]{36,})|github_pat_([A-Za-z0-9_]{70,}))`, 'g'),
    plausible: (body) => varied(body, 12) && (hasUpper(body) || hasDigit(body)),
  },
  {
    provider: 'Discord',
    revokeAt: 'https://discord.com/developers/applications',
    pattern: new RegExp(
      `${START}([MNO][A-Za-z0-9_-]{23,27})\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])`,
      'g',
    ),
    plausible: encodesSnowflake,
  },
];

/** The live-looking keys of one kind in a text. */
function keysOf(kind: KeyKind, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(kind.pattern)) {
    const body = match.slice(1).find((group) => group !== undefined) ?? match[0];
    if (!kind.plausible || kind.plausible(body)) found.push(match[0]);
  }
  return found;
}

/** The kinds of key found in a text (each at most once), in the order of KEY_KINDS. */
export function findLeakedKeys(text: string): KeyKind[] {
  return KEY_KINDS.filter((kind) => keysOf(kind, text).length > 0);
}

/** The text with every live-looking key replaced, for logs and storage. */
export function redactKeys(text: string): string {
  let out = text;
  for (const kind of KEY_KINDS) {
    for (const key of new Set(keysOf(kind, out))) {
      out = out.split(key).join(`[REDACTED ${kind.provider} key]`);
    }
  }
  return out;
}
