// Measurement helpers: answer quality of a ranker on labeled first turns (with the metric
// definitions of src/eval/evaluate.ts), threshold sweeps, per-call latency and memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EvalCase } from '../../src/eval/cases.ts';
import { computeMetrics, NONE, type TurnResult } from '../../src/eval/evaluate.ts';
import { withoutQuotes } from '../../src/safety/quoted-text.ts';
import type { Hit } from './baselines.ts';

export interface LabeledMessage {
  caseId: string;
  /** The text a classifier sees: quoted lines removed, as the pipeline does. */
  text: string;
  expected: string;
}

export interface Quality {
  answer_recall: number;
  precision: number;
  false_answer_rate: number;
}

/** The first turn of every case, as a single message (what computeMetrics scores quality on). */
export function firstTurns(cases: EvalCase[]): LabeledMessage[] {
  return cases.flatMap((c) => {
    const turn = c.turns[0];
    return turn ? [{ caseId: c.id, text: withoutQuotes(turn.text), expected: turn.intent }] : [];
  });
}

/** Scores "answered with this intent, or `none`" per message with the evaluation's own metrics. */
export function qualityOf(messages: LabeledMessage[], answers: string[]): Quality {
  const results: TurnResult[] = messages.map((m, i) => {
    const answered = answers[i] ?? NONE;
    return {
      caseId: m.caseId,
      turn: 0,
      text: m.text,
      expected: m.expected,
      outcome:
        answered === NONE
          ? { kind: 'none', reason: 'bench: below threshold' }
          : { kind: 'answer', intent: answered, reason: 'bench: top hit' },
      answered,
      correct: answered === m.expected,
    };
  });
  return pickQuality(computeMetrics(results));
}

export function pickQuality(metrics: Quality): Quality {
  return {
    answer_recall: metrics.answer_recall,
    precision: metrics.precision,
    false_answer_rate: metrics.false_answer_rate,
  };
}

/** What a ranker answers at a threshold: its top hit when the score reaches it, else silence. */
export function answersAt(hits: (Hit | undefined)[], threshold: number): string[] {
  return hits.map((hit) => (hit && hit.score >= threshold ? hit.intent : NONE));
}

export interface OperatingPoint extends Quality {
  /** Answer when the top hit's score is at least this; Infinity = never answer (null in reports). */
  threshold: number;
}

export interface Sweep {
  /** The threshold with the best F1 of answer_recall and precision (ties: fewer false answers, then higher). */
  best: OperatingPoint;
  /** The best precision among thresholds whose recall is at least `targetRecall`; null if none reaches it. */
  atRecall: OperatingPoint | null;
}

const f1 = (q: Quality) =>
  q.answer_recall + q.precision === 0
    ? 0
    : (2 * q.answer_recall * q.precision) / (q.answer_recall + q.precision);

/**
 * Tries every threshold that changes a decision (each distinct top-hit score) on the labeled
 * messages themselves. Picking it on the test data is an advantage the baselines get and ours does not.
 */
export function sweepThreshold(
  messages: LabeledMessage[],
  hits: (Hit | undefined)[],
  targetRecall = 1,
): Sweep {
  const scores = [...new Set(hits.flatMap((h) => (h ? [h.score] : [])))].sort((a, b) => a - b);
  const points: OperatingPoint[] = [...scores, Number.POSITIVE_INFINITY].map((threshold) => ({
    threshold,
    ...qualityOf(messages, answersAt(hits, threshold)),
  }));
  let best = points[points.length - 1]!;
  let atRecall: OperatingPoint | null = null;
  for (const point of points) {
    const better =
      f1(point) > f1(best) ||
      (f1(point) === f1(best) &&
        (point.false_answer_rate < best.false_answer_rate ||
          (point.false_answer_rate === best.false_answer_rate && point.threshold > best.threshold)));
    if (better) best = point;
    if (
      point.answer_recall >= targetRecall &&
      (!atRecall ||
        point.precision > atRecall.precision ||
        (point.precision === atRecall.precision && point.answer_recall > atRecall.answer_recall))
    )
      atRecall = point;
  }
  return { best, atRecall };
}

export interface Latency {
  p50_us: number;
  p99_us: number;
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function latencyOf(samplesUs: number[]): Latency {
  return { p50_us: round1(percentile(samplesUs, 50)), p99_us: round1(percentile(samplesUs, 99)) };
}

export interface RepeatedLatency extends Latency {
  /** p99 over every single call, preemption by other processes and GC pauses included. */
  p99_all_us: number;
  /** Timed rounds each input got. */
  rounds: number;
}

/**
 * Latency per input from repeated rounds (samples in round order, `inputs` per round): each input's
 * median time across rounds, then p50/p99 over inputs. That keeps what makes one message slower
 * than another (its length, its words) and drops a call that happened to be preempted on a busy
 * machine; p99_all_us keeps the plain figure. With fewer than 3 rounds it is the plain figure.
 */
export function repeatedLatency(samplesUs: number[], inputs: number): RepeatedLatency {
  const rounds = inputs > 0 ? Math.floor(samplesUs.length / inputs) : 0;
  const all = latencyOf(samplesUs);
  if (rounds < 3) return { ...all, p99_all_us: all.p99_us, rounds };
  const medians = Array.from({ length: inputs }, (_, i) =>
    median(Array.from({ length: rounds }, (_, r) => samplesUs[r * inputs + i]!)),
  );
  return { ...latencyOf(medians), p99_all_us: all.p99_us, rounds };
}

// Results are kept reachable so that no call can be optimized away.
let sink: unknown;

export interface TimingOptions {
  /** Timed rounds over all inputs, at most. */
  rounds?: number;
  /** Untimed calls first (JIT, caches), cycling through the inputs; default two rounds. */
  warmupCalls?: number;
  /** Stop warming up after this long, whatever warmupCalls says. */
  warmupBudgetMs?: number;
  /** Start no further round after this long; the first round always completes. */
  budgetMs?: number;
}

/**
 * Calls `fn` on each input, each call timed on its own with process.hrtime.bigint(), after an
 * untimed warm-up. Slow functions get fewer rounds (budgetMs) rather than a slow benchmark.
 * Returns microseconds per call and the first round's results.
 */
export function timeEach<T, R>(
  inputs: T[],
  fn: (input: T) => R,
  {
    rounds = 20,
    warmupCalls = inputs.length * 2,
    warmupBudgetMs = 1000,
    budgetMs = 2000,
  }: TimingOptions = {},
): { samples: number[]; results: R[] } {
  const warmupEnd = process.hrtime.bigint() + BigInt(warmupBudgetMs) * 1_000_000n;
  for (let i = 0; i < warmupCalls && inputs.length > 0; i++) {
    sink = fn(inputs[i % inputs.length]!);
    if (i % 16 === 15 && process.hrtime.bigint() > warmupEnd) break;
  }
  const samples: number[] = [];
  const results: R[] = [];
  const end = process.hrtime.bigint() + BigInt(budgetMs) * 1_000_000n;
  for (let r = 0; r < rounds && (r === 0 || process.hrtime.bigint() < end); r++) {
    for (const input of inputs) {
      const start = process.hrtime.bigint();
      const result = fn(input);
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
      if (r === 0) results.push(result);
      sink = result;
    }
  }
  return { samples, results };
}

/** Like timeEach for async calls (the pipeline's handle()): the await is part of what is timed. */
export async function timeEachAsync<T>(
  inputs: T[],
  fn: (input: T) => Promise<unknown>,
  warmup: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (const [i, input] of inputs.entries()) {
    const start = process.hrtime.bigint();
    sink = await fn(input);
    if (i >= warmup) samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

/** Milliseconds one call of `fn` takes. */
export function timeOnce<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

type Gc = () => void;
let gcFunction: Gc | null | undefined;

/**
 * A full garbage collection, so memory deltas measure what is retained: `global.gc` when node runs
 * with --expose-gc, otherwise the same function obtained by setting the V8 flag at run time.
 * Returns false when neither works (memory figures then include garbage).
 */
export function collectGarbage(): boolean {
  if (gcFunction === undefined) {
    gcFunction = (globalThis as { gc?: Gc }).gc ?? null;
    if (!gcFunction) {
      try {
        setFlagsFromString('--expose-gc');
        gcFunction = runInNewContext('gc') as Gc;
      } catch {
        gcFunction = null;
      }
    }
  }
  if (!gcFunction) return false;
  gcFunction();
  gcFunction();
  return true;
}

export function memoryMb(): { rss: number; heap: number } {
  const usage = process.memoryUsage();
  return { rss: usage.rss / 1048576, heap: (usage.heapUsed + usage.external) / 1048576 };
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Reads the timing sink, so results written to it count as used and are not optimised away. */
export function lastResult(): unknown {
  return sink;
}
