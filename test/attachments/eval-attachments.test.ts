// eval/attachments.jsonl through the evaluation, with the files read as the bot reads them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localFileLoader } from '../../src/attachments/fetch.ts';
import { createOcrPool, type OcrPool } from '../../src/attachments/ocr.ts';
import { createAttachmentReader } from '../../src/attachments/read.ts';
import { parseCases, readCases } from '../../src/eval/cases.ts';
import { computeMetrics, runCases } from '../../src/eval/evaluate.ts';
import { realKnowledge } from '../support/pipeline.ts';

const FILE = fileURLToPath(new URL('../../eval/attachments.jsonl', import.meta.url));

describe('eval cases with attachments', () => {
  it('resolve their attachment paths against the folder of the JSONL file', () => {
    const [first] = readCases(FILE);
    expect(first?.turns[0]?.attachments).toEqual([
      { path: path.join(path.dirname(FILE), 'attachments', '401-terminal.png') },
    ]);
  });

  it('need an attachment reader to run', async () => {
    const cases = parseCases('{"id":"x","text":"help","intent":"none","attachments":[{"path":"a.png"}]}');
    await expect(runCases(cases, realKnowledge())).rejects.toThrow('attachment reader');
  });

  describe('eval/attachments.jsonl', () => {
    let ocr: OcrPool;
    beforeAll(async () => {
      ocr = await createOcrPool({ workers: 1, limits: { timeoutMs: 30_000 } });
    }, 60_000);
    afterAll(() => ocr?.terminate());

    it('answers every labeled screenshot and log with its entry and no wrong entry', async () => {
      const reader = createAttachmentReader({ load: localFileLoader, ocr });
      const results = await runCases(readCases(FILE), realKnowledge(), undefined, reader);
      const metrics = computeMetrics(results);
      expect(metrics.answer_recall).toBe(1);
      expect(metrics.wrong_answer_rate).toBe(0);
      expect(metrics.followup_accuracy).toBe(1);
      // A photo without text, a bare "help" and logs without a known error all stay silent.
      const falseAnswers = results.filter((r) => r.expected === 'none' && r.answered !== 'none');
      expect(falseAnswers.map((r) => `${r.caseId}: ${r.answered}`)).toEqual([]);
    }, 120_000);
  });
});
