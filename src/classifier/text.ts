// Text normalisation shared by the classifier, the help gate and follow-up detection.
// It keeps what identifies a support problem (status codes, error strings) and folds away what
// does not (case, accents, zalgo, invisible characters, markdown).
import { stemmer } from 'stemmer';
import { createBoundedCache } from '../bounded-cache.ts';

/** Longest text the classifier looks at; Discord allows 4000 characters with Nitro. */
export const MAX_CLASSIFIED_CHARS = 4000;

const INVISIBLE_AND_MARKS = /[\p{Cf}\p{M}\u00AD]/gu;

/** Lowercase, NFKC (full-width digits, ligatures), no combining marks or invisible/bidi characters. */
export function normalize(text: string): string {
  return text
    .slice(0, MAX_CLASSIFIED_CHARS * 2)
    .normalize('NFKD')
    .replace(INVISIBLE_AND_MARKS, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .slice(0, MAX_CLASSIFIED_CHARS);
}

/** One character more of an FNV-1a hash. */
export const hashChar = (hash: number, code: number) => Math.imul(hash ^ code, 0x01000193) >>> 0;

/**
 * FNV-1a: a stable 32-bit hash of a text (fold order, training order, feature keys). `from` continues
 * the hash of a text before this one: hashText("c", hashText("w:")) === hashText("w:c").
 */
export function hashText(text: string, from = 0x811c9dc5): number {
  let h = from;
  for (let i = 0; i < text.length; i++) h = hashChar(h, text.charCodeAt(i));
  return h;
}

// Words that carry no topic. Negations are kept: "not working" is evidence of a problem.
const STOPWORDS = new Set(
  `a an the and or but if then so to of in on at by for with from into about as is are was were be been being am
   i me my mine we our you your it its this that these those there here he she they them their his her
   do does did doing have has had having will would can could should shall may might must just also very
   really too only even still yet again some any all each every other such own same than more most much
   what which who whom whose when where while how why because since until up down out off over under
   hi hello hey guys pls please thanks thank ok okay yeah yes oh lol im ive id dont cant wont didnt doesnt isnt
   get got gets getting use using used try tried trying make makes made one thing something anything`
    .split(/\s+/)
    .filter(Boolean),
);

/** HTTP status codes people paste: 400-599, and Cloudflare's 52x. */
const STATUS_CODE = /^[45]\d\d$/;

/** Content words, stemmed; status codes become `http401` so "401" never merges with other numbers. */
export function tokenize(normalized: string): string[] {
  const words = normalized.match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
  const tokens: string[] = [];
  for (const raw of words) {
    const word = raw.replace(/'[a-z]+$/, '');
    if (STATUS_CODE.test(word)) {
      tokens.push(`http${word}`);
      continue;
    }
    if (word.length < 2 || STOPWORDS.has(word) || STOPWORDS.has(raw.replace("'", ''))) continue;
    if (/^\d+$/.test(word)) continue; // other numbers (token counts, prices) say nothing about the topic
    tokens.push(stem(word));
  }
  return tokens;
}

// Stemming is the costliest step of tokenizing and the same words come back in every message.
const stems = createBoundedCache<string, string>(50_000);
function stem(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stemmer(word);
    stems.set(word, stemmed);
  }
  return stemmed;
}

/** Unigrams plus adjacent bigrams ("rate limit", "no endpoint"). */
export function features(tokens: string[]): string[] {
  const out = [...tokens];
  for (let i = 1; i < tokens.length; i++) out.push(`${tokens[i - 1]}_${tokens[i]}`);
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * A matcher for a keyword, to run on normalized text. Words match whole words, in order. Between
 * two words the message may have any spaces and punctuation, but every punctuation character the
 * keyword has there must be present ("unexpected token <" needs the "<", "middle-out" the dash);
 * spaces around punctuation do not matter. A negated mention ("I'm not using BYOK") does not count.
 */
export function phraseMatcher(phrase: string): RegExp {
  // ['lead', word, gap, word, ..., 'trail']: words at odd positions, the text between them at even.
  const parts = normalize(phrase).split(/([a-z0-9]+)/);
  if (parts.length < 3) return /(?!)/;
  const symbols = (gap: string) => [...gap.replace(/\s+/g, '')].map(escapeRegExp);
  const between = (gap: string) => {
    const required = symbols(gap);
    return required.length ? `[^a-z0-9]*${required.join('[^a-z0-9]*')}[^a-z0-9]*` : '[^a-z0-9]+';
  };
  let words = '';
  for (let i = 1; i < parts.length - 1; i += 2) {
    words += parts[i];
    if (i + 2 < parts.length - 1) words += between(parts[i + 1] ?? '');
  }
  const lead = symbols(parts[0] ?? '');
  const trail = symbols(parts.at(-1) ?? '');
  const start = lead.length ? `${lead.join('[^a-z0-9]*')}[^a-z0-9]*` : '(?:^|[^a-z0-9])';
  const end = trail.length ? `[^a-z0-9]*${trail.join('[^a-z0-9]*')}` : '(?:$|[^a-z0-9])';
  const negation = "(?<!(?:\\bnot|\\bno|\\bnever|\\bwithout|n't)[^a-z0-9]+)";
  return new RegExp(lead.length ? `${negation}${start}${words}${end}` : `${start}${negation}${words}${end}`);
}

/** A normalized text's words (runs of [a-z0-9]) and where each starts and ends. */
export interface WordRuns {
  text: string;
  words: string[];
  starts: number[];
  ends: number[];
}

export function wordRuns(normalized: string): WordRuns {
  const runs: WordRuns = { text: normalized, words: [], starts: [], ends: [] };
  for (const match of normalized.matchAll(/[a-z0-9]+/g)) {
    runs.words.push(match[0]);
    runs.starts.push(match.index);
    runs.ends.push(match.index + match[0].length);
  }
  return runs;
}

const NEGATION_WORDS = new Set(['not', 'no', 'never', 'without']);

/**
 * The same verdict as `phraseMatcher(phrase).test(text)` for a keyword of plain words (nothing but
 * spaces between them), found by walking the text's words instead of running a regex: 2000 entries
 * have thousands of keywords, and compiling a regex for each costs more than all the matching.
 * Undefined for a keyword with punctuation, which keeps its regex.
 */
export function plainPhraseMatcher(phrase: string): ((runs: WordRuns) => boolean) | undefined {
  const parts = normalize(phrase).split(/([a-z0-9]+)/);
  if (parts.length < 3 || parts.some((gap, i) => i % 2 === 0 && gap.trim() !== '')) return undefined;
  const words = parts.filter((_, i) => i % 2 === 1);
  // As the regex's look-behind: the word before is "not", "no", "never" or "without" on its own
  // (no word character before it), or ends in "n't".
  const negated = (runs: WordRuns, index: number): boolean => {
    if (index === 0) return false;
    const before = index - 1;
    const start = runs.starts[before]!;
    if (NEGATION_WORDS.has(runs.words[before]!) && (start === 0 || !/\w/.test(runs.text[start - 1]!)))
      return true;
    const end = runs.ends[before]!;
    return runs.text.slice(end - 3, end) === "n't";
  };
  return (runs) => {
    const last = runs.words.length - words.length;
    for (let i = 0; i <= last; i++) {
      if (runs.words[i] !== words[0]) continue;
      let k = 1;
      while (k < words.length && runs.words[i + k] === words[k]) k++;
      if (k === words.length && !negated(runs, i)) return true;
    }
    return false;
  };
}
