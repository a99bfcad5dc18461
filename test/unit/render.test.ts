import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/knowledge/entry.ts';
import {
  cleanDisplayName,
  DISCORD_MESSAGE_LIMIT,
  renderAnswer,
  renderFollowUp,
  renderHandover,
} from '../../src/knowledge/render.ts';

const FOOTER = '-# This is an automated response. Use !mute to stop the bot from responding.';

function entry(overrides: Partial<Entry> = {}): Entry {
  return {
    id: 'key-not-saved',
    file: '/kb/key-not-saved.md',
    title: 'Key not saved',
    summary: 'The key was pasted but not saved.',
    examples: ['my key is not saved'],
    keywords: [],
    patterns: [],
    negativeExamples: [],
    followUp: 'Does the key box say "Key saved" after you click Connect?',
    followUpSkipIf: [/key saved/i],
    links: [
      { title: 'Keys guide', url: 'https://docs.example.org/keys' },
      { title: 'FAQ', url: 'https://docs.example.org/faq' },
    ],
    lastVerified: '2026-01-15',
    verifiedAgainst: { sillytavern: '1.18.0' },
    enabled: true,
    answer: 'Paste the key and click **Connect**.',
    sections: { why: 'The key is stored only on Connect.', fix: '1. Paste.\n2. Connect.' },
    ...overrides,
  };
}

describe('renderAnswer', () => {
  it('puts the answer, the links line, the follow-up question and the footer in that order', () => {
    // The asker reads the fix first, then the sources, the question back, and the !mute hint last.
    const text = renderAnswer(entry(), FOOTER);
    const positions = [
      text.indexOf('Paste the key and click **Connect**.'),
      text.indexOf(
        'More: [Keys guide](<https://docs.example.org/keys>) · [FAQ](<https://docs.example.org/faq>)',
      ),
      text.indexOf('Does the key box say "Key saved"'),
      text.indexOf(FOOTER),
    ];
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text.startsWith('Paste the key')).toBe(true);
    expect(text.endsWith(FOOTER)).toBe(true);
  });

  it('drops the follow-up question when the asker already gave that detail', () => {
    // Someone who wrote "it says key saved" is not asked whether it says "Key saved".
    const text = renderAnswer(entry(), FOOTER, { question: 'it says Key Saved but nothing works' });
    expect(text).not.toContain('Does the key box say');
    expect(text).toContain('More: ');
    expect(text.endsWith(FOOTER)).toBe(true);
  });

  it('keeps the follow-up question when the asker did not give that detail', () => {
    // The detail a human helper would ask for next is still asked.
    const text = renderAnswer(entry(), FOOTER, { question: 'my key does not work' });
    expect(text).toContain('Does the key box say');
  });

  it('fills {{asker}} with the display name', () => {
    // "Hi Mira," greets the asker by the name they show in the server.
    const text = renderAnswer(entry({ answer: 'Hi {{asker}}, click Connect.' }), FOOTER, {
      vars: { asker: 'Mira' },
    });
    expect(text.startsWith('Hi Mira, click Connect.')).toBe(true);
  });

  it('falls back to "there" when there is no display name', () => {
    // The greeting reads "Hi there," rather than "Hi ,".
    const text = renderAnswer(entry({ answer: 'Hi {{ asker }}, click Connect.' }), FOOTER);
    expect(text.startsWith('Hi there, click Connect.')).toBe(true);
  });

  it.each([
    ['@everyone', '@everyone'],
    ['@here', '@here'],
    ['<@123456789012345678>', '<@'],
    ['<@&987654321098765432>', '<@&'],
    ['<#123456789012345678>', '<#'],
    ['**bold**', '**'],
    ['__under__', '__'],
    ['`code`', '`'],
    ['~~strike~~', '~~'],
    ['||spoiler||', '||'],
    ['[click](https://evil.example)', ']('],
  ])('never lets the display name %s reach the text as a mention or markdown', (name, forbidden) => {
    // A user named "@everyone" or "**bold**" gets a plain greeting, nobody is pinged or formatted.
    const text = renderAnswer(entry({ answer: 'Hi {{asker}}!' }), FOOTER, { vars: { asker: name } });
    const greeting = text.split('\n')[0]!;
    expect(greeting).not.toContain(forbidden);
    expect(greeting).toMatch(/^Hi [^@<>*_~`|[\]()]+!$/);
  });

  it('strips zalgo and invisible characters from the display name', () => {
    // A name stacked with combining marks or direction overrides prints as plain letters.
    const zalgo = 'Z\u0336\u0321a\u0337\u0322l\u0338g\u0335o\u0334\u202e\u200b';
    const text = renderAnswer(entry({ answer: 'Hi {{asker}}!' }), FOOTER, { vars: { asker: zalgo } });
    expect(text.split('\n')[0]).toBe('Hi Zalgo!');
  });

  it('cuts a very long display name to 32 characters', () => {
    // A name stuffed with text cannot flood the reply.
    expect(cleanDisplayName('n'.repeat(200))).toBe('n'.repeat(32));
  });

  it('leaves other template variables such as {{char}} as written', () => {
    // SillyTavern macros quoted in an answer reach the asker unchanged.
    const text = renderAnswer(
      entry({ answer: 'Use {{char}} and {{user}} in the prompt, {{asker}}.' }),
      FOOTER,
      {
        vars: { asker: 'Mira' },
      },
    );
    expect(text.startsWith('Use {{char}} and {{user}} in the prompt, Mira.')).toBe(true);
  });

  it('defuses @everyone, @here and user and role mentions written in the knowledge text', () => {
    // A moderator's careless "@everyone" in an answer never pings the server.
    const text = renderAnswer(
      entry({ answer: 'Ask @everyone or @here, or <@123456> or <@!654321> or the <@&777888> role.' }),
      FOOTER,
    );
    for (const mention of ['@everyone', '@here', '<@123456>', '<@!654321>', '<@&777888>']) {
      expect(text).not.toContain(mention);
    }
    expect(text).toContain('everyone');
    expect(text).toContain('777888');
  });

  it('stays within 2000 characters for a huge answer and keeps the footer', () => {
    // An over-long entry is cut, never rejected by Discord, and the !mute hint is still there.
    const text = renderAnswer(entry({ answer: 'word '.repeat(2000) }), FOOTER);
    expect(text.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(text.endsWith(FOOTER)).toBe(true);
  });

  it('stays within 2000 characters for a huge answer full of mentions', () => {
    // Defusing mentions adds characters; the reply must still be accepted by Discord.
    const text = renderAnswer(entry({ answer: '@everyone '.repeat(400) }), FOOTER);
    expect(text.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
  });

  it('drops the optional links and follow-up before cutting the answer', () => {
    // An answer that only fits alone is posted whole, without the extras.
    const answer = 'a'.repeat(DISCORD_MESSAGE_LIMIT - FOOTER.length - 2);
    const text = renderAnswer(entry({ answer }), FOOTER);
    expect(text).toBe(`${answer}\n\n${FOOTER}`);
  });
});

describe('renderFollowUp', () => {
  it('answers "why" from the ## Why section', () => {
    // "why does this happen?" gets the cause, not the same answer again.
    const text = renderFollowUp(entry(), 'why', FOOTER);
    expect(text.startsWith('The key is stored only on Connect.')).toBe(true);
    expect(text.endsWith(FOOTER)).toBe(true);
  });

  it('answers "fix" from the ## Fix section', () => {
    // "how do I fix it?" gets the numbered steps.
    expect(renderFollowUp(entry(), 'fix', FOOTER).startsWith('1. Paste.\n2. Connect.')).toBe(true);
  });

  it('stays within 2000 characters for a huge section', () => {
    // A long Why section is cut rather than failing to send.
    const text = renderFollowUp(entry({ sections: { why: 'x'.repeat(5000), fix: 'f' } }), 'why', FOOTER);
    expect(text.length).toBeLessThanOrEqual(DISCORD_MESSAGE_LIMIT);
    expect(text.endsWith(FOOTER)).toBe(true);
  });
});

describe('renderHandover', () => {
  it('puts the hand-over text before the footer and defuses mentions', () => {
    // "still not working" gets a request for details and no ping.
    const text = renderHandover('A human will help, @here.', FOOTER);
    expect(text.endsWith(FOOTER)).toBe(true);
    expect(text).not.toContain('@here');
    expect(text.startsWith('A human will help')).toBe(true);
  });
});
