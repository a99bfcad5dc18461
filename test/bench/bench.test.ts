// The benchmark's parts on a tiny hand-labeled fixture: the baselines rank, the threshold sweep
// and the metrics give figures that can be checked by hand, and one run yields the JSON shape that
// `npm run bench -- --json` promises. No timing is asserted: timings are noise on a shared machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCases } from '../../src/eval/cases.ts';
import type { Entry } from '../../src/knowledge/entry.ts';
import { parseEntry } from '../../src/knowledge/load.ts';
import { fuseBaseline, keywordBaseline, minisearchBaseline } from '../../tools/bench/baselines.ts';
import {
  answersAt,
  firstTurns,
  latencyOf,
  percentile,
  qualityOf,
  sweepThreshold,
  timeEach,
} from '../../tools/bench/measure.ts';
import { type BenchReport, formatReport, runBench } from '../../tools/bench/run.ts';
import {
  entryMarkdown,
  syntheticEntries,
  syntheticMessages,
  writeKnowledgeFolder,
} from '../../tools/bench/synthetic.ts';

const FIXTURE = 'test/fixtures/bench-small.jsonl';

function entry(id: string, title: string, examples: string[], keywords: string[]): Entry {
  return {
    id,
    file: `${id}.md`,
    title,
    summary: `About ${title.toLowerCase()}.`,
    examples,
    keywords,
    patterns: [],
    negativeExamples: [],
    followUp: 'Which version are you on?',
    followUpSkipIf: [],
    links: [{ title: 'Docs', url: `https://docs.example.org/${id}` }],
    lastVerified: '2026-01-01',
    verifiedAgainst: { sillytavern: '1.18.0' },
    enabled: true,
    answer: `Here is what to do about ${title.toLowerCase()}.`,
    sections: { why: 'Because of reasons.', fix: 'Do the fix.' },
  };
}

const ENTRIES = [
  entry(
    'rate-limit',
    'Rate limited (429)',
    ['too many requests error', 'i keep hitting the rate limit', 'error 429 on every reply'],
    ['429', 'rate limit'],
  ),
  entry(
    'bad-key',
    'Invalid API key',
    ['it says my api key is invalid', 'invalid key error when connecting', 'the key i pasted is rejected'],
    ['invalid key', 'api key'],
  ),
  entry(
    'install',
    'Installing',
    ['how do i install this', 'npm install fails', 'installation guide for windows'],
    ['install', 'npm'],
  ),
];

const cases = readCases(FIXTURE);
const messages = firstTurns(cases);

describe('the baselines', () => {
  it('keyword matching picks the entry with the most keywords found, as substrings', () => {
    const keyword = keywordBaseline(ENTRIES);
    expect(keyword.top('getting 429 rate limit errors')).toEqual({ intent: 'rate-limit', score: 2 });
    // "install" inside "reinstalling": the false positive users hate in keyword bots.
    expect(keyword.top('thanks, reinstalling fixed it')).toEqual({ intent: 'install', score: 1 });
    expect(keyword.top('nice weather today')).toBeUndefined();
  });

  it('keyword matching breaks a tie in count by the longer matched keywords', () => {
    // One keyword each: "api key" (7 characters) beats "429" (3).
    expect(keywordBaseline(ENTRIES).top('the api key works but I hit a 429')?.intent).toBe('bad-key');
  });

  it('MiniSearch and Fuse rank an example’s own entry first, above an unrelated message', () => {
    for (const baseline of [minisearchBaseline(ENTRIES), fuseBaseline(ENTRIES)]) {
      const close = baseline.top('i keep hitting the rate limit');
      expect(close?.intent, baseline.name).toBe('rate-limit');
      const unrelated = baseline.top('nice weather today');
      expect(unrelated === undefined || unrelated.score < close!.score, baseline.name).toBe(true);
    }
  });
});

describe('quality figures', () => {
  it('reads the first turn of every case, conversations included', () => {
    expect(messages.map((m) => m.caseId)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8']);
    expect(messages[7]?.text).toBe('rate limit again, 429 too many requests');
  });

  it('scores keyword matching at threshold 1 by hand: 4 of 5 labeled right, 4 of 6 answers right, 1 of 3 none answered', () => {
    const hits = messages.map((m) => keywordBaseline(ENTRIES).top(m.text));
    const answers = answersAt(hits, 1);
    expect(answers).toEqual([
      'rate-limit',
      'bad-key',
      'install',
      'bad-key',
      'install',
      'none',
      'none',
      'rate-limit',
    ]);
    expect(qualityOf(messages, answers)).toEqual({
      answer_recall: 0.8,
      precision: 0.667,
      false_answer_rate: 0.333,
    });
  });

  it('sweeps to threshold 2 for keyword matching: the same recall with no wrong or false answers', () => {
    const hits = messages.map((m) => keywordBaseline(ENTRIES).top(m.text));
    const { best, atRecall } = sweepThreshold(messages, hits, 0.8);
    expect(best).toEqual({ threshold: 2, answer_recall: 0.8, precision: 1, false_answer_rate: 0 });
    expect(atRecall).toEqual(best);
    expect(sweepThreshold(messages, hits, 0.9).atRecall).toBeNull();
  });

  it('never answering scores zero recall and zero false answers', () => {
    expect(qualityOf(messages, answersAt([], Number.POSITIVE_INFINITY))).toEqual({
      answer_recall: 0,
      precision: 0,
      false_answer_rate: 0,
    });
  });
});

describe('measurement helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    expect(latencyOf([1, 2, 3, 4])).toEqual({ p50_us: 2, p99_us: 4 });
  });

  it('times every call of every round and returns the first round’s results', () => {
    const { samples, results } = timeEach([1, 2, 3], (n) => n * 2, { rounds: 4, warmupCalls: 5 });
    expect(samples).toHaveLength(12);
    expect(samples.every((s) => s >= 0)).toBe(true);
    expect(results).toEqual([2, 4, 6]);
  });

  it('generates the same synthetic knowledge for the same seed, and files that load as real entries', () => {
    const a = syntheticEntries(30, { seed: 5 });
    expect(syntheticEntries(30, { seed: 5 })).toEqual(a);
    expect(syntheticEntries(30, { seed: 6 })).not.toEqual(a);
    for (const e of a) {
      expect(e.examples.length).toBeGreaterThanOrEqual(10);
      expect(e.examples.length).toBeLessThanOrEqual(15);
      expect(e.keywords.length).toBeGreaterThan(0);
    }
    const parsed = parseEntry(a[0]!.file, entryMarkdown(a[0]!));
    expect(parsed.problems).toEqual([]);
    expect(parsed.entry?.examples).toEqual(a[0]!.examples);
    expect(syntheticMessages(a, 10, 1)).toEqual(syntheticMessages(a, 10, 1));
  });
});

describe('one benchmark run', () => {
  let dir: string;
  let report: BenchReport;
  let table: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-test-'));
    writeKnowledgeFolder(ENTRIES, dir);
    const run = await runBench({
      cases,
      file: FIXTURE,
      knowledgeDir: dir,
      rounds: 1,
      scalingSizes: [5, 12],
      scalingMessages: 20,
      pipelineMessages: 40,
      reloadRuns: 2,
    });
    report = run.report;
    table = formatReport(run.report, run.context);
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports every figure in the promised JSON shape', () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['classifiers', 'scaling', 'pipeline_p99_us', 'reload_ms']);
    expect(Object.keys(report.classifiers)).toEqual([
      'ours',
      'first-version',
      'minisearch',
      'fuse',
      'keyword',
    ]);
    for (const figures of Object.values(report.classifiers)) {
      for (const key of ['answer_recall', 'precision', 'false_answer_rate', 'p50_us', 'p99_us'] as const) {
        expect(typeof figures[key]).toBe('number');
        expect(Number.isFinite(figures[key])).toBe(true);
      }
    }
    expect(report.scaling.map((row) => row.entries)).toEqual([5, 12]);
    for (const row of report.scaling) {
      for (const key of ['load_ms', 'p50_us', 'p99_us', 'rss_mb'] as const)
        expect(Number.isFinite(row[key])).toBe(true);
    }
    expect(report.pipeline_p99_us).toBeGreaterThan(0);
    expect(report.reload_ms).toBeGreaterThan(0);
  });

  it('gives the keyword baseline the figures checked by hand above', () => {
    const { keyword } = report.classifiers;
    expect(keyword).toMatchObject({ answer_recall: 0.8, precision: 1, false_answer_rate: 0, threshold: 2 });
  });

  it('prints one table row per classifier and says the baselines were tuned on the same file', () => {
    for (const name of ['ours', 'minisearch', 'fuse', 'keyword'])
      expect(table).toMatch(new RegExp(`^${name} `, 'm'));
    expect(table).toMatch(/swept on this same file/);
  });
});
