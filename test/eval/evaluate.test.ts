// The evaluation end to end: a small labeled file through the real pipeline and knowledge base,
// against metrics computed by hand (see the comments), and the CLI's --json contract.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readCases } from '../../src/eval/cases.ts';
import { computeMetrics, runCases } from '../../src/eval/evaluate.ts';
import { realKnowledge } from '../support/pipeline.ts';

const FIXTURE = 'test/fixtures/eval-hand.jsonl';

describe('npm run eval', () => {
  it('computes every metric as counted by hand on a small labeled file', async () => {
    // First turns: 6 labeled (h1 h2 h5 h6 h7 h8), 2 none (h3 h4).
    // Answered: h1 h2 h5 h7 h8; right: h1 h2 h7 h8; h5 is a wrong answer, h6 a miss.
    // Later turns: h7 "why" → the Why section, h8 "still" → hand-over: 2 of 2.
    const metrics = computeMetrics(await runCases(readCases(FIXTURE), realKnowledge()));
    expect(metrics).toMatchObject({
      answer_recall: 0.667, // 4 / 6
      precision: 0.8, // 4 / 5
      false_answer_rate: 0, // 0 / 2
      wrong_answer_rate: 0.167, // 1 / 6
      followup_accuracy: 1, // 2 / 2
      cases: 8,
    });
    expect(metrics.per_intent['error-401-unauthorized']).toMatchObject({
      labeled: 3,
      answered: 2,
      correct: 2,
    });
    expect(metrics.per_intent['error-402-credits']).toMatchObject({ labeled: 0, answered: 1, correct: 0 });
  });

  it('prints the metrics, the confusion and the misses, and one JSON object last with --json', () => {
    // What a moderator tuning the knowledge base reads.
    const run = spawnSync('node_modules/.bin/tsx', ['src/cli/eval.ts', FIXTURE, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: '/nonexistent/.env' },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('error-401-unauthorized → error-402-credits');
    expect(run.stdout).toMatch(/h6 expected context-length-exceeded, got none/);
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(Object.keys(last)).toEqual(
      expect.arrayContaining([
        'answer_recall',
        'precision',
        'false_answer_rate',
        'wrong_answer_rate',
        'followup_accuracy',
        'cases',
        'per_intent',
      ]),
    );
  });
});
