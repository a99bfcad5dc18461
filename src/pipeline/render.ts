// Reply text. Knowledge text is trusted to moderators, user text is not: the only user-derived
// value is the asker's display name, cleaned so it can neither ping nor format.
import type { Entry, FollowUpSection } from '../knowledge/entry.ts';

export const DISCORD_MESSAGE_LIMIT = 2000;

export interface TemplateVars {
  asker?: string;
}

export interface RenderOptions {
  vars?: TemplateVars;
  /** The asker's message; the follow-up question is skipped when it already gives that detail. */
  question?: string;
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

/** Joins parts; if the whole is still too long, drops optional parts, then cuts the main text. */
function assemble(main: string, optional: (string | undefined)[], footer: string): string {
  const parts = optional.filter((p): p is string => Boolean(p));
  while (parts.length >= 0) {
    const text = [main, ...parts, footer].join('\n\n');
    if (text.length <= DISCORD_MESSAGE_LIMIT || parts.length === 0) break;
    parts.shift();
  }
  let text = [main, ...parts, footer].join('\n\n');
  if (text.length > DISCORD_MESSAGE_LIMIT) {
    const room = DISCORD_MESSAGE_LIMIT - footer.length - 3;
    text = `${main.slice(0, room - 1)}…\n\n${footer}`;
  }
  return defuseMentions(text);
}

export function renderAnswer(entry: Entry, footer: string, options: RenderOptions = {}): string {
  const main = fillVars(entry.answer, options.vars ?? {});
  return assemble(main, [linksLine(entry), followUpLine(entry, options.question)], footer);
}

export function renderFollowUp(
  entry: Entry,
  section: FollowUpSection,
  footer: string,
  options: RenderOptions = {},
): string {
  const main = fillVars(entry.sections[section] ?? entry.answer, options.vars ?? {});
  return assemble(main, [linksLine(entry), followUpLine(entry, options.question)], footer);
}

export function renderHandover(handover: string, footer: string, vars: TemplateVars = {}): string {
  return assemble(fillVars(handover, vars), [], footer);
}
