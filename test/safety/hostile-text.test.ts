// Hostile text, property-based: whatever a user types (random unicode, zalgo, RTL overrides,
// invisible characters, markdown, mention syntax, code fences, Discord-length walls of text,
// look-alike digits and letters), the pipeline never throws, and a reply is at most 2000
// characters, pings nobody, and echoes nothing the user wrote except their cleaned display name.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../../src/knowledge/entry.ts';
import { cleanDisplayName } from '../../src/knowledge/render.ts';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';
import { openStore } from '../../src/store/store.ts';
import { realKnowledge, TEST_CONFIG } from '../support/pipeline.ts';

const real = realKnowledge();

/**
 * The real knowledge base, with every answer and the hand-over greeting the asker by
 * `{{asker}}`: the one place user input (the display name) may reach a reply.
 */
const greeting: KnowledgeBase = (() => {
  const entries = real.kb.entries.map((entry) => ({ ...entry, answer: `Hi {{asker}}! ${entry.answer}` }));
  return {
    ...real.kb,
    entries,
    byId: new Map(entries.map((entry) => [entry.id, entry])),
    handover: `{{asker}}, ${real.kb.handover}`,
  };
})();

// Two examples per entry that the bot answers on their own (a few sit just under the threshold).
const QUESTIONS = real.kb.entries.flatMap((entry) =>
  entry.examples.filter((text) => real.classifier.classify(text).rule === 'answer').slice(0, 2),
);

// ------------------------------------------------------------------------------------------------
// Generators

const COMBINING = fc.integer({ min: 0x0300, max: 0x036f }).map((c) => String.fromCodePoint(c));
const zalgo = fc
  .tuple(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
    fc.array(COMBINING, { minLength: 5, maxLength: 60 }),
  )
  .map(([base, marks]) => [...base].map((ch) => ch + marks.join('')).join(''));
const BIDI_AND_INVISIBLE = [
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u202d',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u200b', // zero-width space
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u180e',
  '\u034f',
];
const MARKDOWN_AND_MENTIONS = [
  '@everyone',
  '@here',
  '@EVERYONE',
  '＠everyone',
  '<@123456789012345678>',
  '<@!123456789012345678>',
  '<@&123456789012345678>',
  '<#123456789012345678>',
  '</help:123456789012345678>',
  '<t:0:R>',
  '<:pepe:123456789012345678>',
  '**',
  '__',
  '~~',
  '||',
  '`',
  '```',
  '```js\nconsole.log(1)\n```',
  '# ',
  '-# ',
  '> ',
  '>>> ',
  '[click me](https://evil.example/)',
  '<https://evil.example/>',
  '![x](https://evil.example/x.png)',
  '\n',
  '\r\n',
  '\t',
  '{{asker}}',
  '{{char}}',
  '!mute',
  '!unmute',
];
const LOOK_ALIKES = [
  '４０１',
  '４0１ Ｕｎａｕｔｈｏｒｉｚｅｄ',
  '𝟒𝟎𝟏',
  '٤٠١',
  '४०१',
  '4О1', // Cyrillic O
  'еrrоr 4О1 unаuthоrizеd', // Cyrillic е, о, а
  'ОреnRоutеr',
  '4０２ Payment Required',
  '429 Тоо Many Requests',
];
const fragment = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: zalgo, weight: 2 },
  { arbitrary: fc.constantFrom(...BIDI_AND_INVISIBLE), weight: 2 },
  { arbitrary: fc.constantFrom(...MARKDOWN_AND_MENTIONS), weight: 3 },
  { arbitrary: fc.constantFrom(...LOOK_ALIKES), weight: 2 },
  { arbitrary: fc.constantFrom(...QUESTIONS), weight: 4 },
);
/** Up to Discord's limits: 4000 characters for Nitro users; 8000 to be safe. */
const wall = fc
  .tuple(fc.array(fragment, { minLength: 1, maxLength: 8 }), fc.integer({ min: 4000, max: 8000 }))
  .map(([parts, length]) => {
    const unit = parts.join(' ') || 'a';
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  });
const content = fc.oneof(
  { arbitrary: fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(' ')), weight: 8 },
  { arbitrary: wall, weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 2 },
);
const displayName = fc
  .array(fragment, { maxLength: 4 })
  .map((parts) => parts.join(''))
  .map((name) => name.slice(0, 64));

/** Something a user typed that must never come back in a reply. */
const marker = fc.nat({ max: 999_999 }).map((n) => `zqxmarker${n}qz`);

// ------------------------------------------------------------------------------------------------

const LIVE_MENTION = /@(everyone|here)|<@[!&]?\d+>/i;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

describe('hostile text through the pipeline', () => {
  it('never throws, and every reply fits Discord, pings nobody and echoes only the cleaned display name', async () => {
    // Whatever people type, the channel sees either nothing or a well-formed bot reply: no crash,
    // no ping, no text of theirs repeated back (beyond their cleaned name in a greeting).
    const clock = { now: Date.UTC(2026, 10, 28, 12) };
    const pipeline = createPipeline({
      knowledge: () => ({ kb: greeting, classifier: real.classifier }),
      store: openStore(':memory:', () => clock.now),
      config: TEST_CONFIG,
      now: () => clock.now,
    });
    let run = 0;
    let replies = 0;
    let greeted = 0;

    await fc.assert(
      fc.asyncProperty(
        content,
        displayName,
        marker,
        fc.nat(),
        fc.boolean(),
        async (text, name, secret, position, inThread) => {
          run++;
          // Past the follow-up window, the cooldown and the channel cap: every run starts fresh.
          clock.now += 11 * 60_000;
          const at = position % (text.length + 1);
          const message: IncomingMessage = {
            id: `m${run}`,
            guildId: 'g1',
            channelId: inThread ? `thread${run}` : 'c-sillytavern',
            channelName: inThread ? name : 'sillytavern',
            ...(inThread
              ? {
                  threadId: `thread${run}`,
                  parentChannelId: 'c-sillytavern',
                  parentChannelName: 'sillytavern',
                }
              : {}),
            author: { id: `user${run}`, displayName: name, isBot: false, roles: [] },
            content: `${text.slice(0, at)} ${secret} ${text.slice(at)}`,
            attachments: [],
            createdAt: clock.now,
          };
          const outcome = await pipeline.handle(message);
          for (const reply of [outcome.reply, outcome.leakedKey?.replyIfDeleted]) {
            if (reply === undefined) continue;
            replies++;
            expect(reply.length).toBeLessThanOrEqual(2000);
            expect(reply).not.toMatch(LIVE_MENTION);
            expect(reply).not.toMatch(BIDI_CONTROL);
            expect(reply).not.toContain(secret);
            const cleaned = cleanDisplayName(name);
            if (reply.includes(`Hi ${cleaned}!`) || reply.startsWith(`${cleaned},`)) greeted++;
            // The raw name only appears when cleaning left it as it was.
            if (name.length >= 3 && name !== cleaned) expect(reply).not.toContain(name);
            expect(cleaned.length).toBeLessThanOrEqual(32);
            expect(cleaned).not.toMatch(/[@#<>*_~`|\\[\]()]|\p{Cc}|\p{Cf}|\p{M}/u);
          }
        },
      ),
      { numRuns: 800, seed: 4242 },
    );
    // Not vacuous: many runs were answered, and answers greeted the asker by the cleaned name.
    expect(replies).toBeGreaterThan(30);
    expect(greeted).toBeGreaterThan(10);
  });

  it('keeps a display name made of mention syntax from pinging anyone in a greeting', async () => {
    // Someone named "@everyone <@&123>" asks a question: the greeting shows a harmless name.
    const pipeline = createPipeline({
      knowledge: () => ({ kb: greeting, classifier: real.classifier }),
      store: openStore(':memory:'),
      config: TEST_CONFIG,
    });
    const name = '\u202e@everyone <@&123456789012345678> **boom**';
    const outcome = await pipeline.handle({
      id: 'm1',
      guildId: 'g1',
      channelId: 'c-sillytavern',
      channelName: 'sillytavern',
      author: { id: 'u1', displayName: name, isBot: false, roles: [] },
      content: QUESTIONS[0] ?? '',
      attachments: [],
      createdAt: Date.now(),
    });
    expect(cleanDisplayName(name)).toBe('everyone &123456789012345678 boo');
    expect(outcome.reply?.startsWith(`Hi ${cleanDisplayName(name)}!`)).toBe(true);
    expect(outcome.reply).not.toMatch(LIVE_MENTION);
  });
});
