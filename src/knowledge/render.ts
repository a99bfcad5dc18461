// Reply text. Knowledge text is trusted to moderators, user text is not: the only user-derived
// value is the asker's display name, cleaned so it can neither ping nor format.
import type { Entry, FollowUpSection } from './entry.ts';

export const DISCORD_MESSAGE_LIMIT = 2000;

export interface TemplateVars {
  asker?: string;
}

export interface RenderOptions {
  vars?: TemplateVars;
  /** false: do not shorten an over-long reply (the knowledge check measures the full length). */
  fit?: boolean;
  /** The asker's message; the follow-up question is skipped when it already gives that detail. */
  question?: string;
  /** A line above the answer: what the bot read in an attachment ("From your screenshot: …"). */
  intro?: string;
}

/** A display name made safe to print: no mentions, no markdown, no control or invisible characters. */
export function cleanDisplayName(name: string): string {
  const cleaned = name
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{M}]/gu, '')
    .replace(/[@#<>*_~`|\\[\]()]/g, '')
    .trim()
    .slice(0, 32);
  return cleaned || 'there';
}

/** Breaks mention syntax in text that is about to be posted (allowedMentions is the real guard). */
export function defuseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, '@\u200b$1').replace(/<@([!&]?\d+)>/g, '<@\u200b$1>');
}

function fillVars(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*asker\s*\}\}/gi, cleanDisplayName(vars.asker ?? ''));
}

function linksLine(entry: Entry): string {
  return `More: ${entry.links.map((link) => `[${link.title}](<${link.url}>)`).join(' · ')}`;
}

function followUpLine(entry: Entry, question: string | undefined): string | undefined {
  if (question && entry.followUpSkipIf.some((pattern) => pattern.test(question))) return undefined;
  return entry.followUp;
}

/**
 * Joins parts. A reply that would be too long drops optional parts, then cuts the main text;
 * `fit: false` returns the full length, for the knowledge check to report.
 */
function assemble(main: string, optional: (string | undefined)[], footer: string, fit = true): string {
  const safeMain = defuseMentions(main);
  const safeFooter = defuseMentions(footer);
  const parts = optional.filter((p): p is string => Boolean(p)).map(defuseMentions);
  const join = () => [safeMain, ...parts, safeFooter].join('\n\n');
  if (!fit) return join();
  while (join().length > DISCORD_MESSAGE_LIMIT && parts.length > 0) parts.shift();
  if (join().length <= DISCORD_MESSAGE_LIMIT) return join();
  const room = DISCORD_MESSAGE_LIMIT - safeFooter.length - 3;
  return `${safeMain.slice(0, room)}…\n\n${safeFooter}`;
}

export function renderAnswer(entry: Entry, footer: string, options: RenderOptions = {}): string {
  const answer = fillVars(entry.answer, options.vars ?? {});
  const main = options.intro ? `${options.intro}\n\n${answer}` : answer;
  return assemble(main, [linksLine(entry), followUpLine(entry, options.question)], footer, options.fit);
}

export function renderFollowUp(
  entry: Entry,
  section: FollowUpSection,
  footer: string,
  options: RenderOptions = {},
): string {
  const main = fillVars(entry.sections[section] ?? entry.answer, options.vars ?? {});
  return assemble(main, [linksLine(entry), followUpLine(entry, options.question)], footer, options.fit);
}

export function renderHandover(handover: string, footer: string, vars: TemplateVars = {}): string {
  return assemble(fillVars(handover, vars), [], footer);
}
