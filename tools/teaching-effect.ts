// npx tsx tools/teaching-effect.ts [--misses 20] [--folds 5]: what moderators' teaching is worth.
// Cross-validates the training corpus (eval/train.jsonl, folds grouped by source), takes the first N
// standalone messages it gets wrong (file order), and teaches one fact for each through the same
// store calls and text preparation as the Discord commands:
//   - missed or answered with the wrong entry → "Answer with…" (or "Wrong entry"): an example;
//   - answered although it needs no answer → "Shouldn't answer": a negative.
// Then it cross-validates again with those taught examples in training, leaving each one out
// whenever its own message is held out: the "after" figures measure how teaching carries over to
// other messages, never a message measured on itself. Prints both, and the figures for docs/teaching.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildClassifier } from '../src/classifier/classifier.ts';
import { readCases } from '../src/eval/cases.ts';
import { crossValidate, type ExtraTraining } from '../src/eval/cross-validate.ts';
import { computeMetrics, NONE, runCases, type TurnResult } from '../src/eval/evaluate.ts';
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

const before = await crossValidate(kb, cases, k);
const misses = before.results.filter((r) => r.turn === 0 && !r.correct).slice(0, missesToTeach);
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
      const id = store.taught.teach({ guildId: 'eval', moderatorId: 'eval', text, ...fact });
      taughtKinds[fact.kind] = (taughtKinds[fact.kind] ?? 0) + 1;
      const row = store.taught.list('eval', undefined, 1_000).find((r) => r.id === id);
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

const after = await crossValidate(kb, cases, k, 3, extra);
const others = (results: TurnResult[]) => results.filter((r) => !taughtIds.has(r.caseId));

// The corpus already labels every taught message, so above teaching mostly repeats what the model
// knew. Without the corpus (the knowledge files alone, as a new server starts) the same 20 facts are
// all the model learns beyond the files: measured on every other corpus message, default thresholds.
const otherCases = cases.filter((c) => !taughtIds.has(c.id));
const filesOnly = { kb, classifier: buildClassifier(kb.entries) };
const filesAndTaught = {
  kb,
  classifier: buildClassifier(kb.entries, { training: extra.map((e) => e.labeled) }),
};

const report = {
  corpus: 'eval/train.jsonl',
  folds: k,
  taught: { messages: misses.length, ...taughtKinds },
  before: summary(before.results),
  after: summary(after.results),
  before_on_other_messages: summary(others(before.results)),
  after_on_other_messages: summary(others(after.results)),
  files_only_on_other_messages: summary(await runCases(otherCases, filesOnly)),
  files_and_taught_on_other_messages: summary(await runCases(otherCases, filesAndTaught)),
};
console.log(
  `Taught ${misses.length} misses (${Object.entries(taughtKinds)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ')}).`,
);
for (const [name, figures] of Object.entries(report).filter(
  ([, v]) => typeof v === 'object' && 'recall' in v,
)) {
  console.log(`${name.padEnd(36)} ${JSON.stringify(figures)}`);
}
console.log(JSON.stringify(report));
