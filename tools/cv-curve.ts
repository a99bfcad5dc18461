// npx tsx tools/cv-curve.ts [--seeds 7,8,9,10] [--thresholds 0.85,0.9,0.93,0.95] [--folds 5]: the
// classifier's precision/recall curve out of fold over the training corpus (eval/train.jsonl, folds
// grouped by source), at fixed thresholds, for several training orders.
//
// How changes to the model are judged (docs/classifier.md): one training order moves the figures by
// about ±0.01, and a threshold search moves the operating point along the curve, so a change counts as
// a gain only when it lifts this curve (more precision at the same recall) on seeds 7–10 and again on
// 11–14. Each message is rated as the bot would decide it: the model's rule (`decide`) and the
// pipeline's advice filter (advice to someone else is never answered). Dev and the holdouts stay out.
import { DEFAULT_SETTINGS, decide, NONE } from '../src/classifier/classifier.ts';
import { readsAsAdviceToOthers } from '../src/classifier/help-gate.ts';
import { readCases, trainingTexts } from '../src/eval/cases.ts';
import { foldsBySource, outOfFoldScores } from '../src/eval/cross-validate.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';

const list = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return (at >= 0 ? (process.argv[at + 1] ?? '') : fallback).split(',').map(Number);
};
const seeds = list('seeds', '7,8,9,10');
const thresholds = list('thresholds', '0.85,0.9,0.93,0.95');
const [k = 5] = list('folds', '5');
if ([...seeds, ...thresholds, k].some((n) => !Number.isFinite(n))) {
  console.error('usage: npx tsx tools/cv-curve.ts [--seeds 7,8] [--thresholds 0.9,0.93] [--folds 5]');
  process.exit(2);
}

const { kb, problems } = loadKnowledge('knowledge');
if (!kb) throw new Error(`knowledge does not validate:\n${problems.join('\n')}`);
const cases = readCases('eval/train.jsonl');
// The out-of-fold scores come fold by fold, in this order: the same texts, for the advice filter.
const advice = foldsBySource(cases, k).flatMap((fold) =>
  trainingTexts(fold).map(({ text }) => readsAsAdviceToOthers(text)),
);

type Rates = { recall: number; precision: number; falseAnswers: number };
const bySeed = new Map<number, Rates[]>();
for (const seed of seeds) {
  const scored = outOfFoldScores(kb, cases, k, [], { seed });
  bySeed.set(
    seed,
    thresholds.map((threshold) => {
      let questions = 0;
      let nones = 0;
      let right = 0;
      let answered = 0;
      let falseAnswers = 0;
      scored.forEach((item, i) => {
        const decision = decide(item.scored, { ...DEFAULT_SETTINGS, threshold });
        const intent = decision.rule === 'answer' && !advice[i] ? decision.intent : undefined;
        if (item.intent === NONE) nones++;
        else questions++;
        if (!intent) return;
        answered++;
        if (intent === item.intent) right++;
        if (item.intent === NONE) falseAnswers++;
      });
      return { recall: right / questions, precision: right / answered, falseAnswers: falseAnswers / nones };
    }),
  );
  console.error(`seed ${seed} done`);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
console.log(`threshold  recall  precision  false answers  | per seed ${seeds.join(', ')}: recall/precision`);
thresholds.forEach((threshold, t) => {
  const rows = seeds.map((seed) => bySeed.get(seed)![t]!);
  const figure = (pick: (r: Rates) => number) => mean(rows.map(pick)).toFixed(4);
  const perSeed = rows.map((r) => `${r.recall.toFixed(3)}/${r.precision.toFixed(3)}`).join(' ');
  console.log(
    `${String(threshold).padEnd(10)} ${figure((r) => r.recall)}  ${figure((r) => r.precision)}     ${figure((r) => r.falseAnswers)}         | ${perSeed}`,
  );
});
