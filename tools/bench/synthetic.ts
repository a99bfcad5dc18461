// Synthetic knowledge bases for the scaling benchmark: deterministic (seeded PRNG), vocabulary-like
// invented words, 10-15 examples per entry, a few keywords, and the same shape as real entries so
// they can be written as markdown and loaded through loadKnowledge.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { seededRandom } from '../../src/classifier/linear-model.ts';
import type { Entry } from '../../src/knowledge/entry.ts';

const CONSONANTS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'ch', 'sh', 'tr'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
/** The glue of real support questions, shared by every entry (so IDF has common words to discount). */
const COMMON = (
  'how do i fix the my error when it is not working why does can you help please with a after ' +
  'get keeps getting what this on in to from api key model settings again anyone know issue problem ' +
  'any idea says shows but now just tried still same'
).split(' ');

export interface SyntheticOptions {
  seed?: number;
  /** Words in the invented vocabulary; default: enough for every entry to have its own topic words. */
  vocabulary?: number;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function inventVocabulary(random: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    let word = '';
    const syllables = int(random, 2, 3);
    for (let s = 0; s < syllables; s++) word += pick(random, CONSONANTS) + pick(random, VOWELS);
    if (random() < 0.3) word += pick(random, ['n', 'r', 's', 'x', 'l']);
    words.add(word);
  }
  return [...words];
}

function sentence(random: () => number, topic: string[], vocabulary: string[]): string {
  const words: string[] = [];
  const topical = int(random, 2, 4);
  const common = int(random, 3, 7);
  for (let i = 0; i < topical; i++) words.push(pick(random, topic));
  for (let i = 0; i < common; i++) words.push(pick(random, COMMON));
  if (random() < 0.4) words.push(pick(random, vocabulary));
  // Fisher-Yates, so word order varies as in real messages.
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  return words.join(' ') + (random() < 0.5 ? '?' : '');
}

/** `count` entries, the same for the same seed. */
export function syntheticEntries(count: number, options: SyntheticOptions = {}): Entry[] {
  const random = seededRandom(options.seed ?? 42);
  const vocabulary = inventVocabulary(random, options.vocabulary ?? Math.max(500, count * 4));
  const entries: Entry[] = [];
  for (let n = 0; n < count; n++) {
    const topic = Array.from({ length: 6 }, () => pick(random, vocabulary));
    const id = `syn-${String(n).padStart(4, '0')}-${topic[0]}`;
    const examples = Array.from({ length: int(random, 10, 15) }, () => sentence(random, topic, vocabulary));
    const keywords = [
      ...new Set([topic[0]!, `${topic[1]} ${topic[2]}`, ...(random() < 0.5 ? [topic[3]!] : [])]),
    ];
    entries.push({
      id,
      file: `${id}.md`,
      title: `${topic[0]} ${topic[1]} problems`,
      summary: `What to do about ${topic[0]} and ${topic[1]}.`,
      examples,
      keywords,
      patterns: [],
      negativeExamples: [],
      followUp: `Which ${topic[4]} are you using?`,
      followUpSkipIf: [],
      links: [{ title: `${topic[0]} guide`, url: `https://example.com/${id}` }],
      lastVerified: '2026-01-01',
      verifiedAgainst: { sillytavern: '1.18.0' },
      enabled: true,
      answer: `Check your ${topic[0]} ${topic[1]} settings, then restart the ${topic[5]}.`,
      sections: {
        why: `This happens when the ${topic[2]} cannot reach the ${topic[3]}.`,
        fix: `Open the ${topic[4]} panel and reset the ${topic[0]}.`,
      },
    });
  }
  return entries;
}

/**
 * Messages to time a classifier with: about half are an entry's example with a word swapped (the
 * classifier has work to do), the rest chatter of common and random words (most real traffic).
 */
export function syntheticMessages(entries: Entry[], count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const vocabulary = inventVocabulary(random, 300);
  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < 0.5 && entries.length > 0) {
      const words = pick(random, pick(random, entries).examples).split(' ');
      words[Math.floor(random() * words.length)] = pick(random, vocabulary);
      messages.push(words.join(' '));
    } else {
      const length = int(random, 3, 40);
      messages.push(
        Array.from({ length }, () => (random() < 0.6 ? pick(random, COMMON) : pick(random, vocabulary))).join(
          ' ',
        ),
      );
    }
  }
  return messages;
}

/** The markdown file moderators would write for an entry. */
export function entryMarkdown(entry: Entry): string {
  const frontmatter = stringify({
    title: entry.title,
    summary: entry.summary,
    examples: entry.examples,
    keywords: entry.keywords,
    follow_up: entry.followUp,
    links: entry.links,
    last_verified: entry.lastVerified,
    verified_against: entry.verifiedAgainst,
  });
  const sections = Object.entries(entry.sections)
    .map(([heading, text]) => `## ${heading[0]?.toUpperCase()}${heading.slice(1)}\n\n${text}\n`)
    .join('\n');
  return `---\n${frontmatter}---\n${entry.answer}\n\n${sections}`;
}

export function writeKnowledgeFolder(entries: Entry[], dir: string): void {
  for (const entry of entries) writeFileSync(path.join(dir, `${entry.id}.md`), entryMarkdown(entry));
}
