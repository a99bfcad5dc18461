import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  features,
  MAX_CLASSIFIED_CHARS,
  normalize,
  phraseMatcher,
  plainPhraseMatcher,
  tokenize,
  wordRuns,
} from '../../src/classifier/text.ts';

describe('normalize', () => {
  it('lowercases and folds full-width characters', () => {
    // "ＥＲＲＯＲ ４０１" typed with a CJK keyboard reads as "error 401".
    expect(normalize('ＥＲＲＯＲ ４０１')).toBe('error 401');
  });

  it('removes zalgo marks and invisible characters', () => {
    // Decorated or zero-width-padded text is understood like plain text.
    expect(normalize('e\u0336r\u0337r\u0338o\u200br\u00ad')).toBe('error');
  });

  it('folds accents away', () => {
    // "café" and "cafe" are the same word to the bot.
    expect(normalize('Café')).toBe('cafe');
  });

  it('turns curly quotes into straight ones', () => {
    // "doesn’t" typed on a phone matches "doesn't".
    expect(normalize('doesn\u2019t \u201cerror\u201d')).toBe('doesn\'t "error"');
  });

  it('caps the text length', () => {
    // A huge paste costs no more than the first 4000 characters.
    expect(normalize('a'.repeat(20_000))).toHaveLength(MAX_CLASSIFIED_CHARS);
  });
});

describe('tokenize', () => {
  it('turns HTTP status codes into distinct tokens and drops other numbers', () => {
    // "401" is evidence for the 401 entry; a token count like "8192" says nothing.
    expect(tokenize(normalize('Error 401 with 8192 tokens'))).toEqual(['error', 'http401', 'token']);
  });

  it('drops stopwords and keeps negations', () => {
    // "it is not working" keeps "not", the sign of a problem.
    expect(tokenize('it is not working')).toEqual(['not', 'work']);
  });
});

describe('features', () => {
  it('adds adjacent bigrams to the unigrams', () => {
    // "rate limit" is stronger evidence together than "rate" and "limit" apart.
    expect(features(['rate', 'limit', 'hit'])).toEqual(['rate', 'limit', 'hit', 'rate_limit', 'limit_hit']);
  });
});

describe('phraseMatcher', () => {
  it('matches whole words regardless of punctuation between them', () => {
    // The keyword "no auth credentials found" matches the pasted JSON error.
    const matcher = phraseMatcher('No auth credentials found');
    expect(matcher.test(normalize('{"message":"No auth-credentials found"}'))).toBe(true);
  });

  it('does not match inside a longer word', () => {
    // The keyword "401" does not fire on "14012".
    expect(phraseMatcher('401').test('order 14012')).toBe(false);
  });

  it('requires the punctuation written in the keyword', () => {
    // "unexpected token <" is the HTML-instead-of-JSON error, not any unexpected token.
    const matcher = phraseMatcher('unexpected token <');
    expect(
      matcher.test(normalize('SyntaxError: Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON')),
    ).toBe(true);
    expect(matcher.test(normalize('SyntaxError: Unexpected token d in JSON at position 0'))).toBe(false);
  });

  it('ignores spaces around the punctuation of a keyword', () => {
    // "listen: true" matches "listen:true" and "listen : true" alike.
    const matcher = phraseMatcher('listen: true');
    expect(matcher.test(normalize('set listen:true in config.yaml'))).toBe(true);
    expect(matcher.test(normalize('set listen : true'))).toBe(true);
    expect(matcher.test(normalize('listen true'))).toBe(false);
  });

  it('keeps a dash or underscore of a keyword as written', () => {
    // "context_length_exceeded" is an error code; the plain words are not the code.
    expect(phraseMatcher('middle-out').test(normalize('turn on Middle-Out'))).toBe(true);
    expect(phraseMatcher('middle-out').test(normalize('the middle out part'))).toBe(false);
    expect(phraseMatcher('context_length_exceeded').test(normalize('"code":"context_length_exceeded"'))).toBe(
      true,
    );
    expect(phraseMatcher('context_length_exceeded').test(normalize('context length exceeded'))).toBe(false);
  });

  it('matches a keyword that starts with punctuation only where that punctuation is', () => {
    expect(phraseMatcher('<think>').test(normalize('raw <think> tags in the reply'))).toBe(true);
    expect(phraseMatcher('<think>').test(normalize('i think so'))).toBe(false);
  });

  it('still ignores a negated mention of a keyword with punctuation', () => {
    expect(phraseMatcher('middle-out').test(normalize('it fails without middle-out'))).toBe(false);
  });
});

describe('plainPhraseMatcher', () => {
  // Keywords without punctuation skip the regex (thousands of them in a large knowledge base); the
  // verdict must be the regex's, negations included.
  const KEYWORDS = ['rate limit', 'byok', 'no endpoint', 'not found', '401', 'api key'];
  const PIECES = [
    'rate',
    'limit',
    'byok',
    'no',
    'not',
    'never',
    'without',
    'endpoint',
    'found',
    '401',
    'api',
    'key',
    "n't",
    "don't",
    'x',
    ' ',
    '  ',
    '\n',
    '-',
    '_',
    '.',
    '"',
    "'",
    'é',
    'ø',
    'snot',
    'keys',
  ];

  it('agrees with the regex on any text made of keyword words, negations and punctuation', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }), (pieces) => {
        const text = normalize(pieces.join(''));
        for (const keyword of KEYWORDS) {
          const plain = plainPhraseMatcher(keyword);
          expect(plain?.(wordRuns(text)), `${keyword} in ${JSON.stringify(text)}`).toBe(
            phraseMatcher(keyword).test(text),
          );
        }
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('agrees with the regex on negated and plain mentions people write', () => {
    const texts = ["i don't use byok", 'not byok', 'no byok here', 'byok not set', 'snot byok', '_not byok'];
    for (const text of texts.map(normalize))
      expect(plainPhraseMatcher('byok')?.(wordRuns(text))).toBe(phraseMatcher('byok').test(text));
  });

  it('leaves a keyword with punctuation to the regex', () => {
    expect(plainPhraseMatcher('unexpected token <')).toBeUndefined();
    expect(plainPhraseMatcher('middle-out')).toBeUndefined();
  });
});
