// An answer that tells people to weaken their SillyTavern's security must say, in the same step,
// why that is risky or how to undo it: askers follow numbered steps one by one and skip the rest.
import type { Entry } from './entry.ts';

/** Advice that weakens security, each with the name a moderator sees in the problem. */
const WEAKENING_ADVICE: { name: string; pattern: RegExp }[] = [
  { name: 'allowKeysExposure', pattern: /allowKeysExposure/i },
  {
    name: 'whitelistMode: false',
    pattern: /whitelistMode\W{0,3}(?:to\W+)?(?:false|off)|(?:disable|turn off|switch off)\W+whitelistMode/i,
  },
  { name: 'disableCsrf', pattern: /disableCsrf/i },
  { name: 'Basic Auth', pattern: /basicAuthMode|basic[ -]?auth/i },
  // "use a VPN, not port forwarding" advises against it.
  {
    name: 'port forwarding',
    pattern:
      /(?<!\b(?:not|avoid|no|never|without|don't|do not|instead of|than|against)\s+(?:router\s+)?)port[ -]?forward/i,
  },
];

/** Wordings that count as a caution; kept broad so a natural sentence passes. */
const CAUTION =
  /\b(?:warning|caution|careful|risk|risky|dangerous|unsafe|insecure|not recommended|never (?:on|over|expose|share|forward)|only on (?:a|your) (?:trusted|private|own|home)|trusted (?:network|device|machine)|turn it (?:back )?off|(?:turn|switch|set) it back|off again|clear text|plain ?text|unencrypted|anyone (?:who|on|with|can)|exposes?)/i;

/**
 * Steps and paragraphs: blank lines separate paragraphs, and each numbered item (with the bullets
 * and lines under it) is a step of its own.
 */
export function stepsOf(markdown: string): string[] {
  return markdown
    .split(/\n\s*\n/)
    .flatMap((paragraph) => paragraph.split(/\n(?=\s*\d+[.)]\s)/))
    .map((step) => step.trim())
    .filter(Boolean);
}

/** One problem per step that advises weakening security without a caution in that step. */
export function securityCautionProblems(entry: Pick<Entry, 'answer' | 'sections'>, name: string): string[] {
  const parts: [string, string][] = [
    ['answer', entry.answer],
    ...Object.entries(entry.sections).map(([heading, text]): [string, string] => [`## ${heading}`, text]),
  ];
  const problems: string[] = [];
  for (const [part, text] of parts) {
    for (const step of stepsOf(text)) {
      const advice = WEAKENING_ADVICE.filter(({ pattern }) => pattern.test(step));
      if (advice.length === 0 || CAUTION.test(step)) continue;
      const names = advice.map((a) => a.name).join(', ');
      const oneLine = step.replace(/\s+/g, ' ');
      const start = oneLine.length > 60 ? `${oneLine.slice(0, 60)}…` : oneLine;
      problems.push(
        `${name}: ${part}: the step "${start}" suggests ${names} without a caution in the same step ` +
          `(say why it is risky, e.g. "security risk", "only on a trusted network", "turn it off again")`,
      );
    }
  }
  return problems;
}
