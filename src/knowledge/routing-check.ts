import type { KnowledgeState } from './state.ts';

/**
 * Every example must be answered with its own entry, and no negative example with its entry.
 * Examples are also the classifier's training data, so this checks consistency, not quality:
 * quality is measured on held-out messages by `npm run eval`.
 */
export function checkRouting({ kb, classifier }: KnowledgeState) {
  const failures: string[] = [];
  let examples = 0;
  let negatives = 0;
  const describe = (text: string) => {
    const c = classifier.classify(text);
    const top = c.candidates
      .slice(0, 2)
      .map((x) => `${x.intent} ${x.score}`)
      .join(', ');
    return `${c.rule}${c.intent ? ` (${c.intent})` : ''}; top: ${top || 'none'}; help: ${c.helpRequest.reason}`;
  };
  for (const entry of kb.entries) {
    for (const example of entry.examples) {
      examples++;
      const c = classifier.classify(example);
      if (c.intent !== entry.id)
        failures.push(`${entry.id}: example not answered with it: "${example}" → ${describe(example)}`);
    }
    for (const negative of entry.negativeExamples) {
      negatives++;
      const c = classifier.classify(negative);
      if (c.intent === entry.id)
        failures.push(
          `${entry.id}: negative example answered with it: "${negative}" → ${describe(negative)}`,
        );
    }
  }
  return { failures, examples, negatives };
}
