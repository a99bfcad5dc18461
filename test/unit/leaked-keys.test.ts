import { describe, expect, it } from 'vitest';
import { findLeakedKeys, redactKeys } from '../../src/safety/leaked-keys.ts';

// Made-up keys with the real shapes.
const OPENROUTER = `sk-or-v1-${'0f1e2d3c4b5a6978'.repeat(4)}`;
const OPENAI =
  'sk-proj-Xy7Qm2Lp9Rt4Vw8Zb3Nc6Hd1Kf5Gj0Sa_Ue-Io7Py2Tr9Mn4Lb8Vc3Xz6Qw1Er5Ty0Ui-Op7As2Df9Gh4Jk8Lz3Xc';
const ANTHROPIC =
  'sk-ant-api03-Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0nOp3rSt6vWx9zAb2dEf5hIj8lMn1pQr4tUv7xYz0bCd3fGh6jKl9nOp-AA';
const GOOGLE = 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';

const providersIn = (text: string) => findLeakedKeys(text).map((kind) => kind.provider);

describe('findLeakedKeys', () => {
  it('detects an OpenRouter key (sk-or-v1- plus 64 hex characters)', () => {
    // A user pasting their OpenRouter key gets warned to revoke it on OpenRouter.
    expect(OPENROUTER).toHaveLength(9 + 64);
    expect(providersIn(`here is my key ${OPENROUTER} why 401??`)).toEqual(['OpenRouter']);
  });

  it('detects an OpenAI project key', () => {
    // The warning points to platform.openai.com, not to OpenRouter.
    expect(providersIn(`OPENAI_API_KEY=${OPENAI}`)).toEqual(['OpenAI']);
  });

  it('detects an Anthropic key', () => {
    // An sk-ant key is reported as Anthropic only, not also as an OpenAI key.
    expect(providersIn(`my claude key: ${ANTHROPIC}`)).toEqual(['Anthropic']);
  });

  it('detects a Google AI Studio key (AIza plus 35 characters)', () => {
    // A Gemini key pasted in a screenshot transcript is caught too.
    expect(GOOGLE).toHaveLength(4 + 35);
    expect(providersIn(`key=${GOOGLE}`)).toEqual(['Google']);
  });

  it('reports the revoke page of the leaked key', () => {
    // The warning tells the user exactly where to revoke the key.
    expect(findLeakedKeys(OPENROUTER)[0]?.revokeAt).toBe('https://openrouter.ai/settings/keys');
  });

  it('detects several kinds of key in one message', () => {
    // Someone pasting their whole .env is warned about each provider.
    expect(providersIn(`${OPENROUTER}\n${GOOGLE}`)).toEqual(['OpenRouter', 'Google']);
  });

  it('finds a key on every call, not only on alternate ones', () => {
    // The global regexes keep no state between messages: the second leak is caught too.
    expect(providersIn(OPENROUTER)).toEqual(['OpenRouter']);
    expect(providersIn(OPENROUTER)).toEqual(['OpenRouter']);
  });

  it.each([
    'my key starts with sk-or-v1-... is that right?',
    'my key starts with sk-or-v1-\u2026 and still 401',
    'do i need sk-learn for this',
    'the task-force channel said to ask here',
    'is it sk-ant or sk-proj for claude?',
    'AIza is how google keys start right',
  ])('does not flag the prose %j', (text) => {
    // Talking about keys is normal in a channel about API keys; only real keys trigger a warning.
    expect(findLeakedKeys(text)).toEqual([]);
  });

  it('does not flag a long hyphenated link slug that contains "sk-"', () => {
    // A link to a guide is not deleted as a leaked OpenAI key because a word in it ends in "sk".
    expect(
      findLeakedKeys(
        'see https://blog.example.com/how-to-ask-for-help-with-openrouter-errors-in-sillytavern',
      ),
    ).toEqual([]);
  });
});

describe('redactKeys', () => {
  it('removes the key and says which kind was there', () => {
    // Logs and the database keep the question but never the key.
    const text = redactKeys(`my key ${OPENROUTER} gives 401`);
    expect(text).not.toContain(OPENROUTER);
    expect(text).not.toContain('0f1e2d3c4b5a6978');
    expect(text).toBe('my key [REDACTED OpenRouter key] gives 401');
  });

  it('removes every key of every kind', () => {
    // A pasted .env with several keys is fully cleaned.
    const text = redactKeys(`${OPENAI} ${ANTHROPIC} ${GOOGLE} ${OPENROUTER} ${OPENROUTER}`);
    for (const key of [OPENAI, ANTHROPIC, GOOGLE, OPENROUTER]) expect(text).not.toContain(key);
    expect(findLeakedKeys(text)).toEqual([]);
  });

  it('leaves text without keys unchanged', () => {
    // Ordinary messages are logged as written.
    expect(redactKeys('my key starts with sk-or-v1-... is that right?')).toBe(
      'my key starts with sk-or-v1-... is that right?',
    );
  });
});
