import type { KnowledgeState } from './state.ts';

/**
 * Every example must route home: its own entry is the classifier's best candidate and the help gate
 * does not turn it away (whether it also clears the answer threshold is the threshold's business,
 * chosen by cross-validation). No negative example may be answered with its entry. Examples are also
 * the classifier's training data, so this checks consistency, not quality: quality is measured on
 * held-out messages by `npm run eval -- --cv 5`.
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
      if (c.candidates[0]?.intent !== entry.id || c.rule === 'silent: not a help request')
        failures.push(`${entry.id}: example does not route to it: "${example}" → ${describe(example)}`);
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
