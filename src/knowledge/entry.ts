import { z } from 'zod';

const regex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, 'i');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(error as Error).message})` });
  }
});

const text = z.string().trim().min(1);

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
    enabled: z.boolean().default(true),
  })
  .strict();

export type Frontmatter = z.output<typeof frontmatterSchema>;

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
  loadedAt: Date;
}
