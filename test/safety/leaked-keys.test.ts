// Which texts count as a leaked key. Every kind the providers document is caught wherever it sits
// in a message, and the ordinary words of a channel about API keys (prefixes in prose, model ids,
// links, placeholders, slugs) never are: a false alarm deletes someone's message.
import { describe, expect, it } from 'vitest';
import { findLeakedKeys, KEY_KINDS, redactKeys } from '../../src/safety/leaked-keys.ts';
import { fakeKeys } from './support.ts';

const KEYS = fakeKeys();
const providersIn = (text: string) => findLeakedKeys(text).map((kind) => kind.provider);

describe('a pasted key of every known kind', () => {
  it.each(KEYS)('is caught when the message contains $label', ({ key, provider }) => {
    // The asker is warned about exactly that provider's key, and told where to revoke it.
    expect(providersIn(`hi, my setup: ${key} and it still fails with 401`)).toEqual([provider]);
  });

  it.each(KEYS)('is caught as $label wherever it sits: in quotes, code, a URL or a .env line', ({ key }) => {
    // Pasting a config file, a curl command or a code block is still a leak.
    for (const text of [
      key,
      `"${key}"`,
      `\`${key}\``,
      `\`\`\`\nAPI_KEY=${key}\n\`\`\``,
      `curl -H "Authorization: Bearer ${key}" https://openrouter.ai/api/v1/models`,
      `https://example.com/v1?key=${key}&x=1`,
      `||${key}||`,
      `> ${key}`,
    ]) {
      expect(findLeakedKeys(text), text).toHaveLength(1);
    }
  });

  it.each(KEYS)(
    'is removed from log and database text, with only the provider named: $label',
    ({ key, provider }) => {
      // A moderator reading the log sees that a key was there, never the key.
      const text = redactKeys(`before ${key} after`);
      expect(text).toBe(`before [REDACTED ${provider} key] after`);
      expect(findLeakedKeys(text)).toEqual([]);
    },
  );

  it('names each provider once when a whole .env with every kind of key is pasted', () => {
    // One warning lists every provider whose key is now public, each once.
    const env = KEYS.map(({ key }, i) => `KEY_${i}=${key}`).join('\n');
    expect(providersIn(env)).toEqual(KEY_KINDS.map((k) => k.provider));
    expect(redactKeys(env)).not.toMatch(/sk-|AIza|gsk_|xai-|hf_|ghp_|github_pat_/);
  });

  it('points every warning at a https page where the key can be revoked', () => {
    // The revoke link in the warning is a real provider page, not a placeholder.
    for (const kind of KEY_KINDS) expect(kind.revokeAt).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}(\/|$)/);
    expect(KEY_KINDS.find((k) => k.provider === 'OpenRouter')?.revokeAt).toBe(
      'https://openrouter.ai/settings/keys',
    );
  });
});

describe('ordinary text in a channel about API keys', () => {
  it.each([
    // Talking about keys and their prefixes.
    'my key starts with sk-or-v1-... is that right?',
    'OPENROUTER_API_KEY=sk-or-v1-your-key-here',
    'is it sk-proj- or sk-ant- for claude? and gsk_ for groq, xai- for grok, hf_ for hugging face',
    'github tokens start with ghp_ or github_pat_ right?',
    'AIza is how google keys start right',
    // Placeholders that are not anybody's key.
    `sk-or-v1-${'x'.repeat(64)}`,
    `sk-or-v1-${'0'.repeat(64)}`,
    `sk-${'0'.repeat(32)}`,
    `sk-proj-${'X'.repeat(120)}`,
    `AIza${'A'.repeat(35)}`,
    `hf_${'x'.repeat(34)}`,
    'sk-or-v1-************************************************a1b2',
    'sk-or-v1-8f3a…c2d1 is the one I used',
    // Model ids and provider slugs.
    'deepseek/deepseek-r1',
    'deepseek/deepseek-r1-distill-llama-70b:free keeps timing out',
    'anthropic/claude-3.5-sonnet:beta vs openai/gpt-4o-mini-search-preview-2025-03-11',
    'meta-llama/llama-3.3-70b-instruct and mistralai/mistral-small-3.1-24b-instruct:free',
    'https://huggingface.co/TheBloke/Mistral-7B-Instruct-v0.2-GGUF/resolve/main/model.gguf',
    // Words and slugs that contain a prefix.
    'the task-specific settings are in the task-force channel',
    'do i need sk-learn for this',
    'sk-learn-is-a-python-library-for-machine-learning-and-more',
    'https://blog.example.com/desk-ant-colony-simulation-project-v2-for-beginners-2024',
    'sk-ant-design-system-components-for-react-apps-2024-edition',
    'https://example.com/sk-proj-management-tools-for-small-teams-2024-edition-v2-final',
    'https://example.com/how-to-ask-for-help-with-openrouter-errors-in-sillytavern-2025',
    'graceful shutdown: see ask-a-question-about-xai-grok-beta-api-with-sillytavern-settings',
    // Snowflakes, links and hashes.
    'https://discord.com/channels/1098765432109876543/1234567890123456789/1357913579135791357',
    'MyVeryLongProjectNameIsHere.github.SomeVeryLongClassNameFactoryImpl',
    'sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'commit 3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a',
  ])('is not taken for a key: %j', (text) => {
    // Nobody's message is deleted or answered with a warning for talking about keys.
    expect(findLeakedKeys(text)).toEqual([]);
    expect(redactKeys(text)).toBe(text);
  });

  it('is not taken for a key even in a long message full of hyphenated words', () => {
    // A 4000-character rant with slugs and model ids gets no warning.
    const words = ['task-specific', 'deepseek/deepseek-r1', 'sk-learn', 'state-of-the-art', 'gpt-4o-mini'];
    const text = Array.from({ length: 300 }, (_, i) => words[i % words.length]).join(' ');
    expect(text.length).toBeGreaterThan(4000);
    expect(findLeakedKeys(text)).toEqual([]);
  });
});
