// Live-looking API keys. A channel about API keys is where people paste them; each pattern needs
// the provider's prefix plus a long run of key characters, so "sk-or-v1-…" in prose never matches.
export interface KeyKind {
  provider: string;
  /** Where the owner revokes it. */
  revokeAt: string;
  pattern: RegExp;
}

export const KEY_KINDS: readonly KeyKind[] = [
  {
    provider: 'OpenRouter',
    revokeAt: 'https://openrouter.ai/settings/keys',
    pattern: /sk-or-v1-[A-Za-z0-9]{20,}/g,
  },
  {
    provider: 'Anthropic',
    revokeAt: 'https://console.anthropic.com/settings/keys',
    pattern: /sk-ant-[A-Za-z0-9]{2,10}-[A-Za-z0-9_-]{20,}/g,
  },
  {
    provider: 'OpenAI',
    revokeAt: 'https://platform.openai.com/api-keys',
    pattern: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?(?!or-v1-|ant-)[A-Za-z0-9_-]{32,}/g,
  },
  {
    provider: 'Google',
    revokeAt: 'https://aistudio.google.com/app/apikey',
    pattern: /AIza[0-9A-Za-z_-]{35}/g,
  },
  { provider: 'Groq', revokeAt: 'https://console.groq.com/keys', pattern: /gsk_[A-Za-z0-9]{40,}/g },
  { provider: 'xAI', revokeAt: 'https://console.x.ai', pattern: /xai-[A-Za-z0-9]{40,}/g },
  {
    provider: 'Hugging Face',
    revokeAt: 'https://huggingface.co/settings/tokens',
    pattern: /hf_[A-Za-z0-9]{30,}/g,
  },
  {
    provider: 'Discord',
    revokeAt: 'https://discord.com/developers/applications',
    pattern: /[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}/g,
  },
];

/** The kinds of key found in a text (each at most once), in the order of KEY_KINDS. */
export function findLeakedKeys(text: string): KeyKind[] {
  return KEY_KINDS.filter((kind) => {
    kind.pattern.lastIndex = 0;
    return kind.pattern.test(text);
  });
}

/** The text with every live-looking key replaced, for logs and storage. */
export function redactKeys(text: string): string {
  let out = text;
  for (const kind of KEY_KINDS) out = out.replace(kind.pattern, `[REDACTED ${kind.provider} key]`);
  return out;
}
