// One benchmark run: quality and latency of ours against the baselines, scaling with synthetic
// knowledge bases, the whole pipeline per message and the knowledge reload.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildClassifier } from '../../src/classifier/classifier.ts';
import type { EvalCase } from '../../src/eval/cases.ts';
import { computeMetrics, runCases } from '../../src/eval/evaluate.ts';
import { type KnowledgeState, loadKnowledgeState } from '../../src/knowledge/state.ts';
import { createPipeline, type PipelineConfig } from '../../src/pipeline/pipeline.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';
import { openStore } from '../../src/store/store.ts';
import { buildBaselines } from './baselines.ts';
import {
  collectGarbage,
  firstTurns,
  latencyOf,
  median,
  memoryMb,
  pickQuality,
  type Quality,
  repeatedLatency,
  round1,
  round2,
  sweepThreshold,
  timeEach,
  timeEachAsync,
  timeOnce,
} from './measure.ts';
import { syntheticEntries, syntheticMessages, writeKnowledgeFolder } from './synthetic.ts';

export type ClassifierName = 'ours' | 'first-version' | 'minisearch' | 'fuse' | 'keyword';

export interface ClassifierFigures {
  answer_recall: number;
  precision: number;
  false_answer_rate: number;
  /** Over messages, each message's median time across rounds (see repeatedLatency). */
  p50_us: number;
  p99_us: number;
  /** p99 over every single call. */
  p99_all_us: number;
  /** Timed rounds over the messages (slow baselines get fewer). */
  rounds: number;
  /** Latency as a multiple of ours (2 = twice as slow). */
  p50_ratio: number;
  p99_ratio: number;
  /** The swept threshold on the top hit's score; null for ours, and for a baseline best left silent. */
  threshold: number | null;
  /** For baselines: the best precision among thresholds whose recall reaches ours (null if none does). */
  at_our_recall: (Quality & { threshold: number | null }) | null;
  setup: string;
}

export interface ScalingRow {
  entries: number;
  /** Parse + validate the markdown files and build the classifier (loadKnowledgeState). */
  load_ms: number;
  /** Building the classifier alone from parsed entries. */
  index_ms: number;
  p50_us: number;
  p99_us: number;
  p99_all_us: number;
  rounds: number;
  /** RSS retained by the loaded knowledge state (after a full GC when available). */
  rss_mb: number;
  /** V8 heap + external retained, a steadier figure than RSS. */
  heap_mb: number;
}

export interface BenchReport {
  classifiers: Record<ClassifierName, ClassifierFigures>;
  scaling: ScalingRow[];
  pipeline_p99_us: number;
  reload_ms: number;
}

export interface BenchContext {
  file: string;
  messages: number;
  knowledgeDir: string;
  knowledgeEntries: number;
  pipelineP50Us: number;
  pipelineMessages: number;
  scalingMessages: number;
  /** What the pipeline did with the messages (answer, followup, silent…), warm-up included. */
  pipelineOutcomes: Record<string, number>;
  reloadRuns: number;
  gc: boolean;
  seconds: number;
  machine: string;
}

export interface BenchOptions {
  cases: EvalCase[];
  /** Name of the labeled file, for the report. */
  file: string;
  knowledgeDir: string;
  /** The labeled corpus the real knowledge base trains on, as in production. */
  trainingFile?: string;
  /** Timed rounds over the labeled messages per classifier. */
  rounds?: number;
  scalingSizes?: number[];
  /** Messages timed per scaling size. */
  scalingMessages?: number;
  pipelineMessages?: number;
  reloadRuns?: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/**
 * The defaults, except the per-channel answer cap: at one message every two seconds the cap (6 a
 * minute for #sillytavern and its threads together) would silence most answers before rendering,
 * and the benchmark is about the cost of the whole path, not the policy.
 */
const BENCH_CONFIG: PipelineConfig = {
  SUPPORT_CHANNELS: ['sillytavern'],
  STAFF_ROLES: ['staff'],
  FOLLOWUP_WINDOW_MINUTES: 10,
  USER_COOLDOWN_SECONDS: 30,
  CHANNEL_MAX_ANSWERS_PER_MINUTE: 100_000,
};

function loadState(dir: string, trainingFile?: string): KnowledgeState {
  const { state, problems } = loadKnowledgeState(dir, { trainingFile });
  if (!state) throw new Error(`${dir} does not validate:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return state;
}

/** A full GC, and a moment for the allocator to hand freed pages back, so RSS deltas mean something. */
async function settleMemory(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 50));
  collectGarbage();
}

/** JSON has no Infinity: "never answer" (an infinite threshold) is written as null. */
const finiteOrNull = (n: number) => (Number.isFinite(n) ? round2(n) : null);

const ratio = (value: number, ours: number) => (ours > 0 ? round2(value / ours) : 0);

export async function runBench(
  options: BenchOptions,
): Promise<{ report: BenchReport; context: BenchContext }> {
  const started = process.hrtime.bigint();
  const progress = options.progress ?? (() => {});
  const rounds = options.rounds ?? 20;
  const gc = collectGarbage();
  const state = loadState(options.knowledgeDir, options.trainingFile);
  const entries = state.kb.entries;
  const messages = firstTurns(options.cases);
  const texts = messages.map((m) => m.text);

  // (a) Quality: ours exactly as `npm run eval` scores it (the whole pipeline, first turns).
  progress(`quality and latency on ${messages.length} messages…`);
  const ours = pickQuality(computeMetrics(await runCases(options.cases, state)));
  const oursLatency = repeatedLatency(
    timeEach(texts, (text) => state.classifier.classify(text), { rounds }).samples,
    texts.length,
  );
  const oursFigures: ClassifierFigures = {
    ...ours,
    ...oursLatency,
    p50_ratio: 1,
    p99_ratio: 1,
    threshold: null,
    at_our_recall: null,
    setup: `softmax over words, char n-grams and keywords, trained on knowledge/ + the corpus; threshold ${state.classifier.settings.threshold}, margin ${state.classifier.settings.margin}`,
  };
  const classifiers = { ours: oursFigures } as Record<ClassifierName, ClassifierFigures>;
  for (const baseline of buildBaselines(entries)) {
    // The first timed round's hits are the ones scored: Fuse is too slow to run twice.
    const timed = timeEach(texts, (text) => baseline.top(text), { rounds });
    const { best, atRecall } = sweepThreshold(messages, timed.results, ours.answer_recall);
    const latency = repeatedLatency(timed.samples, texts.length);
    classifiers[baseline.name] = {
      answer_recall: best.answer_recall,
      precision: best.precision,
      false_answer_rate: best.false_answer_rate,
      ...latency,
      p50_ratio: ratio(latency.p50_us, oursLatency.p50_us),
      p99_ratio: ratio(latency.p99_us, oursLatency.p99_us),
      threshold: finiteOrNull(best.threshold),
      at_our_recall: atRecall ? { ...atRecall, threshold: finiteOrNull(atRecall.threshold) } : null,
      setup: baseline.setup,
    };
  }

  // (b) Scaling with synthetic knowledge bases, loaded from markdown like the real folder.
  const scaling: ScalingRow[] = [];
  const scalingMessages = options.scalingMessages ?? 400;
  for (const size of options.scalingSizes ?? [20, 200, 2000]) {
    progress(`scaling: ${size} synthetic entries…`);
    const synthetic = syntheticEntries(size, { seed: 42 + size });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'support-bot-bench-'));
    try {
      writeKnowledgeFolder(synthetic, dir);
      await settleMemory();
      const before = memoryMb();
      const loaded = timeOnce(() => loadState(dir));
      await settleMemory();
      const after = memoryMb();
      const index = timeOnce(() => buildClassifier(loaded.value.kb.entries));
      const queries = syntheticMessages(synthetic, scalingMessages);
      const latency = repeatedLatency(
        timeEach(queries, (text) => loaded.value.classifier.classify(text), {
          rounds: 5,
          warmupCalls: 200,
          budgetMs: 10_000,
        }).samples,
        queries.length,
      );
      scaling.push({
        entries: size,
        load_ms: round1(loaded.ms),
        index_ms: round1(index.ms),
        ...latency,
        rss_mb: round1(after.rss - before.rss),
        heap_mb: round1(after.heap - before.heap),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // (c) The whole pipeline per message: guards, follow-ups, classification, rendering and the
  // SQLite writes. The labeled conversations are replayed round after round, each case in its own
  // thread of #sillytavern by a new user (so follow-up turns meet their first turn), two seconds
  // between cases and a minute before a follow-up turn.
  const pipelineMessages = options.pipelineMessages ?? 4000;
  progress(`pipeline: ${pipelineMessages} messages…`);
  let clock = Date.UTC(2026, 0, 1);
  const store = openStore(':memory:', () => clock);
  const pipeline = createPipeline({ knowledge: () => state, store, config: BENCH_CONFIG, now: () => clock });
  const warmup = Math.min(500, Math.floor(pipelineMessages / 5));
  const incoming: IncomingMessage[] = [];
  /** Milliseconds since the previous message: a follow-up comes a minute after the answer. */
  const gaps: number[] = [];
  for (let round = 0; incoming.length < pipelineMessages + warmup; round++) {
    for (const [caseIndex, c] of options.cases.entries()) {
      for (const [turnIndex, turn] of c.turns.entries()) {
        gaps.push(turnIndex === 0 ? 2000 : 60_000);
        const user = `user-${round}-${caseIndex}`;
        const thread = `thread-${round}-${caseIndex}`;
        incoming.push({
          id: `bench-${incoming.length}`,
          guildId: 'bench',
          channelId: thread,
          threadId: thread,
          threadOwnerId: user,
          parentChannelId: 'c-sillytavern',
          parentChannelName: 'sillytavern',
          author: { id: user, displayName: user, isBot: false, roles: [] },
          content: turn.text,
          attachments: [],
          createdAt: 0,
        });
      }
    }
  }
  incoming.length = pipelineMessages + warmup;
  const outcomes = new Map<string, number>();
  let pipelineSamples: number[];
  try {
    pipelineSamples = await timeEachAsync(
      incoming,
      async (message) => {
        clock += gaps[Number(message.id.slice('bench-'.length))] ?? 2000;
        const outcome = await pipeline.handle({ ...message, createdAt: clock });
        const kind = outcome.reply ? outcome.kind : 'silent';
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        return outcome;
      },
      warmup,
    );
  } finally {
    store.close();
  }
  const pipelineLatency = latencyOf(pipelineSamples);

  // (d) Reloading the real knowledge folder (parse, validate, build), median of several.
  const reloadRuns = options.reloadRuns ?? 10;
  progress(`reload: ${reloadRuns} loads of ${options.knowledgeDir}…`);
  loadState(options.knowledgeDir, options.trainingFile);
  const reloads = Array.from(
    { length: reloadRuns },
    () => timeOnce(() => loadState(options.knowledgeDir, options.trainingFile)).ms,
  );

  const cpus = os.cpus();
  return {
    report: {
      classifiers,
      scaling,
      pipeline_p99_us: pipelineLatency.p99_us,
      reload_ms: round1(median(reloads)),
    },
    context: {
      file: options.file,
      messages: messages.length,
      knowledgeDir: options.knowledgeDir,
      knowledgeEntries: entries.length,
      pipelineP50Us: pipelineLatency.p50_us,
      pipelineMessages,
      scalingMessages,
      pipelineOutcomes: Object.fromEntries(outcomes),
      reloadRuns,
      gc,
      seconds: round1(Number(process.hrtime.bigint() - started) / 1e9),
      machine: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`,
    },
  };
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const padEnd = (value: string | number, width: number) => String(value).padEnd(width);

/** The human-readable table. */
export function formatReport(report: BenchReport, context: BenchContext): string {
  const lines: string[] = [];
  const { classifiers } = report;
  lines.push(`machine: ${context.machine}`);
  lines.push(
    `quality: ${context.file}, ${context.messages} first turns as single messages; knowledge: ${context.knowledgeDir} (${context.knowledgeEntries} entries)`,
  );
  lines.push('');
  lines.push(
    `${padEnd('classifier', 11)} ${pad('recall', 7)} ${pad('precision', 9)} ${pad('false ans', 9)} ${pad('p50 µs', 9)} ${pad('p99 µs', 9)} ${pad('p50 ×', 7)} ${pad('p99 ×', 7)} ${pad('p99 all µs', 10)} ${pad('rounds', 6)}  threshold`,
  );
  for (const name of ['ours', 'first-version', 'minisearch', 'fuse', 'keyword'] as const) {
    const c = classifiers[name];
    lines.push(
      `${padEnd(name, 11)} ${pad(c.answer_recall.toFixed(3), 7)} ${pad(c.precision.toFixed(3), 9)} ${pad(c.false_answer_rate.toFixed(3), 9)} ${pad(c.p50_us.toFixed(1), 9)} ${pad(c.p99_us.toFixed(1), 9)} ${pad(c.p50_ratio.toFixed(2), 7)} ${pad(c.p99_ratio.toFixed(2), 7)} ${pad(c.p99_all_us.toFixed(1), 10)} ${pad(c.rounds, 6)}  ${name === 'ours' ? '(its own)' : (c.threshold ?? 'never answers')}`,
    );
  }
  lines.push('');
  lines.push(
    'p50/p99: over messages, of each message’s median time across rounds (robust to preemption on a busy',
  );
  lines.push('machine); p99 all: over every single call; ×: multiple of ours.');
  lines.push(
    'ours: quality from the whole pipeline (the figures `npm run eval` gives), latency of classify() alone;',
  );
  lines.push(
    'baselines: a message is answered when the top hit reaches the threshold; latency of one search.',
  );
  lines.push(
    'Baseline thresholds were swept on this same file (best F1 of recall and precision): that favours the',
  );
  lines.push('baselines, whose threshold is fitted to the test data; ours keeps its configured threshold.');
  lines.push(
    `At ours' recall (${classifiers.ours.answer_recall.toFixed(3)} or more), the best each baseline reaches:`,
  );
  for (const name of ['first-version', 'minisearch', 'fuse', 'keyword'] as const) {
    const point = classifiers[name].at_our_recall;
    lines.push(
      point
        ? `  ${padEnd(name, 11)} precision ${point.precision.toFixed(3)}, recall ${point.answer_recall.toFixed(3)}, false answers ${point.false_answer_rate.toFixed(3)} (threshold ${point.threshold ?? 'never answers'})`
        : `  ${padEnd(name, 11)} never reaches that recall at any threshold`,
    );
  }
  lines.push('Setups:');
  for (const name of ['ours', 'first-version', 'minisearch', 'fuse', 'keyword'] as const)
    lines.push(`  ${padEnd(name, 11)} ${classifiers[name].setup}`);
  lines.push('');
  lines.push(
    'scaling (synthetic entries loaded from markdown = load ms, of which building the classifier = index ms;',
  );
  lines.push(
    `${context.scalingMessages} synthetic messages × ${report.scaling[0]?.rounds ?? 0} rounds; memory retained by the loaded set${context.gc ? ', after a full GC' : ' — GC NOT available, figures include garbage'}):`,
  );
  lines.push(
    `${pad('entries', 7)} ${pad('load ms', 9)} ${pad('index ms', 9)} ${pad('p50 µs', 9)} ${pad('p99 µs', 9)} ${pad('p99 all µs', 10)} ${pad('RSS MB', 8)} ${pad('heap MB', 8)}`,
  );
  for (const row of report.scaling) {
    lines.push(
      `${pad(row.entries, 7)} ${pad(row.load_ms.toFixed(1), 9)} ${pad(row.index_ms.toFixed(1), 9)} ${pad(row.p50_us.toFixed(1), 9)} ${pad(row.p99_us.toFixed(1), 9)} ${pad(row.p99_all_us.toFixed(1), 10)} ${pad(row.rss_mb.toFixed(1), 8)} ${pad(row.heap_mb.toFixed(1), 8)}`,
    );
  }
  lines.push('');
  lines.push(
    `pipeline per message (guards + follow-up + classify + render + SQLite record, ${context.pipelineMessages} messages, no channel answer cap): p50 ${context.pipelineP50Us.toFixed(1)} µs, p99 ${report.pipeline_p99_us.toFixed(1)} µs`,
  );
  lines.push(
    `  outcomes: ${Object.entries(context.pipelineOutcomes)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
  );
  lines.push(
    `knowledge reload (${context.knowledgeDir}, median of ${context.reloadRuns}): ${report.reload_ms.toFixed(1)} ms`,
  );
  lines.push(`bench time: ${context.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
