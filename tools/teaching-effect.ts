// npx tsx tools/teaching-effect.ts [--misses 20] [--folds 5] [--seeds 3] [--fold-order]: what
// moderators' teaching is worth. Cross-validates the training corpus (eval/train.jsonl, folds grouped
// by source), takes the first N standalone messages it gets wrong (in the file's order, as issue 14
// words it; --fold-order: in the order the folds are measured, this tool's choice until 2026-12-03),
// and teaches one fact for each through the same store calls and text preparation as the Discord
// commands:
//   - missed or answered with the wrong entry → "Answer with…" (or "Wrong entry"): an example;
//   - answered although it needs no answer → "Shouldn't answer": a negative.
// Then it cross-validates again with those taught examples in training, leaving each one out
// whenever its own message is held out: the "after" figures measure how teaching carries over to
// other messages, never a message measured on itself. Prints both, and the figures for docs/teaching.md.
//
// A second reading treats the taught messages as new (as a channel's messages are): they leave the
// corpus, before and after, and teaching adds them back. Twenty facts move cross-validated figures by
// less than one training order does (another shuffle seed moves recall by ±0.01), so every figure is
// measured with several training seeds and reported per seed and as their mean. A third reading keeps
// the shipped thresholds fixed, as a running bot does, so that no fold's threshold search moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildClassifier, DEFAULT_SETTINGS } from '../src/classifier/classifier.ts';
import { DEFAULT_SEED } from '../src/classifier/linear-model.ts';
import { readCases } from '../src/eval/cases.ts';
import { crossValidate, type ExtraTraining } from '../src/eval/cross-validate.ts';
import { computeMetrics, EVAL_GUILD_ID, NONE, runCases, type TurnResult } from '../src/eval/evaluate.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { withoutQuotes } from '../src/safety/quoted-text.ts';
import { openStore } from '../src/store/store.ts';
import { asTraining } from '../src/store/taught.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const missesToTeach = arg('misses', 20);
const k = arg('folds', 5);
const seeds = Array.from({ length: arg('seeds', 3) }, (_, i) => DEFAULT_SEED + i);

const { kb, problems } = loadKnowledge('knowledge');
if (!kb) throw new Error(`knowledge does not validate:\n${problems.join('\n')}`);
const cases = readCases('eval/train.jsonl');

const summary = (results: TurnResult[]) => {
  const m = computeMetrics(results);
  return {
    recall: m.answer_recall,
    precision: m.precision,
    false_answer_rate: m.false_answer_rate,
    wrong_answer_rate: m.wrong_answer_rate,
  };
};

// The misses a moderator would see are the shipped model's (the default training seed).
const shipped = await crossValidate(kb, cases, k);
const wrong = shipped.results.filter((r) => r.turn === 0 && !r.correct);
if (!process.argv.includes('--fold-order')) {
  const fileOrder = new Map(cases.map((c, index) => [c.id, index]));
  wrong.sort((a, b) => fileOrder.get(a.caseId)! - fileOrder.get(b.caseId)!);
}
const misses = wrong.slice(0, missesToTeach);
const taughtIds = new Set(misses.map((m) => m.caseId));

// The moderators' store, on a real SQLite file, as on Discord.
const dir = mkdtempSync(path.join(tmpdir(), 'teaching-effect-'));
const store = openStore(path.join(dir, 'bot.sqlite'));
const extra: ExtraTraining[] = [];
const taughtKinds: Record<string, number> = {};
try {
  for (const miss of misses) {
    // Each teaching command reads the message the way the pipeline does: quotes left out.
    const text = withoutQuotes(miss.text);
    const facts =
      miss.expected === NONE
        ? [{ kind: 'negative' as const, entry: miss.answered }]
        : miss.answered !== NONE
          ? [
              { kind: 'not-entry' as const, entry: miss.answered },
              { kind: 'example' as const, entry: miss.expected },
            ]
          : [{ kind: 'example' as const, entry: miss.expected }];
    for (const fact of facts) {
      const id = store.taught.teach({ guildId: EVAL_GUILD_ID, moderatorId: 'eval', text, ...fact });
      taughtKinds[fact.kind] = (taughtKinds[fact.kind] ?? 0) + 1;
      const row = store.taught.list(EVAL_GUILD_ID, undefined, 1_000).find((r) => r.id === id);
      if (!row?.text) throw new Error(`taught example #${id} was not stored`);
      extra.push({
        caseId: miss.caseId,
        labeled: asTraining({ kind: row.kind, entry: row.entry, text: row.text }),
      });
    }
  }
  // What the bot learns from is what the store hands the classifier.
  if (store.taught.trainingTexts().length !== extra.length) throw new Error('store and simulation disagree');
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

const others = (results: TurnResult[]) => results.filter((r) => !taughtIds.has(r.caseId));
const otherCases = cases.filter((c) => !taughtIds.has(c.id));
type Figures = ReturnType<typeof summary>;
const perSeed: Record<string, Figures>[] = [];
for (const seed of seeds) {
  const trainingOptions = { seed };
  const before = seed === DEFAULT_SEED ? shipped : await crossValidate(kb, cases, k, { trainingOptions });
  const after = await crossValidate(kb, cases, k, { extra, trainingOptions });
  // Taught messages the corpus did not have: measured on the same other messages, same folds.
  const newBefore = await crossValidate(kb, otherCases, k, { trainingOptions });
  const newAfter = await crossValidate(kb, otherCases, k, { extra, trainingOptions });
  // As in a running bot: teaching changes the model, not its thresholds (the shipped ones). Without
  // each fold's threshold search the difference is the taught facts' alone.
  const settings = DEFAULT_SETTINGS;
  const shippedBefore = await crossValidate(kb, otherCases, k, { trainingOptions, settings });
  const shippedAfter = await crossValidate(kb, otherCases, k, { extra, trainingOptions, settings });
  // The knowledge files alone (as a new server starts): the 20 facts are all it learns beyond them.
  const filesOnly = { kb, classifier: buildClassifier(kb.entries, { trainingOptions }) };
  const filesAndTaught = {
    kb,
    classifier: buildClassifier(kb.entries, { taught: extra.map((e) => e.labeled), trainingOptions }),
  };
  const figures = {
    before: summary(before.results),
    after: summary(after.results),
    before_on_other_messages: summary(others(before.results)),
    after_on_other_messages: summary(others(after.results)),
    new_messages_before: summary(newBefore.results),
    new_messages_after: summary(newAfter.results),
    new_at_shipped_thresholds_before: summary(shippedBefore.results),
    new_at_shipped_thresholds_after: summary(shippedAfter.results),
    files_only_on_other_messages: summary(await runCases(otherCases, filesOnly)),
    files_and_taught_on_other_messages: summary(await runCases(otherCases, filesAndTaught)),
  };
  perSeed.push(figures);
  console.log(`seed ${seed}`);
  for (const [name, f] of Object.entries(figures)) console.log(`  ${name.padEnd(36)} ${JSON.stringify(f)}`);
}

const mean = (name: string): Figures => {
  const rows = perSeed.map((figures) => figures[name]!);
  const average = (key: keyof Figures) =>
    Math.round((rows.reduce((sum, row) => sum + row[key], 0) / rows.length) * 1000) / 1000;
  return Object.fromEntries(
    (Object.keys(rows[0]!) as (keyof Figures)[]).map((key) => [key, average(key)]),
  ) as Figures;
};
const report = {
  corpus: 'eval/train.jsonl',
  folds: k,
  seeds,
  taught: { messages: misses.length, ...taughtKinds },
  mean: Object.fromEntries(Object.keys(perSeed[0]!).map((name) => [name, mean(name)])),
  per_seed: perSeed,
};
console.log(
  `Taught ${misses.length} misses (${Object.entries(taughtKinds)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ')}); mean over training seeds ${seeds.join(', ')}:`,
);
for (const [name, figures] of Object.entries(report.mean))
  console.log(`${name.padEnd(36)} ${JSON.stringify(figures)}`);
console.log(JSON.stringify(report));
