import { z } from 'zod';

const regex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'i');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(error as Error).message})` });
  }
});

const text = z.string().trim().min(1);

/** `1.18.0`: what `kb:stale` compares with the versions in `_versions.md`. */
export const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;

/**
 * What an entry was checked against. A bare `1.18` in YAML is a number, so a number gets a hint
 * instead of zod's "expected string".
 */
const sourceVersion = (shape: RegExp, example: string) =>
  z
    .string({ error: `must be text in quotes, e.g. '${example}'` })
    .regex(shape, `must look like '${example}'`);

export const verifiedAgainstSchema = z
  .object({
    sillytavern: sourceVersion(VERSION_PATTERN, '1.18.0').optional(),
    openrouter_docs: sourceVersion(/^\d{4}-\d{2}$/, '2026-08').optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'name at least one source: sillytavern or openrouter_docs');

/** The frontmatter of a knowledge file. `.strict()`: a misspelt key is an error, not silently ignored. */
export const frontmatterSchema = z
  .object({
    title: text,
    summary: text,
    examples: z.array(text).min(1),
    keywords: z.array(text).default([]),
    patterns: z.array(regex).default([]),
    negative_examples: z.array(text).default([]),
    follow_up: text,
    follow_up_skip_if: z.array(regex).default([]),
    links: z.array(z.object({ title: text, url: z.string().url().startsWith('https://') }).strict()).min(1),
    last_verified: z.union([
      z.date().transform((d) => d.toISOString().slice(0, 10)),
      z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
    ]),
    verified_against: verifiedAgainstSchema,
    enabled: z.boolean().default(true),
  })
  .strict();

export type Frontmatter = z.output<typeof frontmatterSchema>;
export type VerifiedAgainst = z.output<typeof verifiedAgainstSchema>;

/** One answerable intent, loaded and validated. */
export interface Entry {
  id: string;
  file: string;
  title: string;
  summary: string;
  examples: string[];
  keywords: string[];
  patterns: RegExp[];
  negativeExamples: string[];
  followUp: string;
  followUpSkipIf: RegExp[];
  links: { title: string; url: string }[];
  lastVerified: string;
  /** The SillyTavern version and OpenRouter docs month the answer was checked against. */
  verifiedAgainst: VerifiedAgainst;
  enabled: boolean;
  /** The body before the first heading. */
  answer: string;
  /** `## Why`, `## Fix` and any other section, keyed by lowercase heading. */
  sections: Record<string, string>;
}

export type FollowUpSection = 'why' | 'fix';

export interface KnowledgeBase {
  /** Enabled entries only: the ones the bot may answer with. */
  entries: Entry[];
  byId: Map<string, Entry>;
  footer: string;
  handover: string;
  /** SillyTavern versions people in the channel run (`_versions.md`), for `kb:stale` and `/kb status`. */
  seenVersions: string[];
  loadedAt: Date;
}
