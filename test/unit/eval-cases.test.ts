import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCases, readCases } from '../../src/eval/cases.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/eval-small.jsonl', import.meta.url));

describe('parseCases', () => {
  it('reads a single message as a one-turn case, keeps its source and drops other fields', () => {
    // `npm run eval` treats each labelled message as a conversation of one turn; cross-validation
    // groups folds by source.
    const [first] = parseCases(
      '{"id":"a1","text":"402 payment required","intent":"error-402-credits","source":"x","note":"n"}',
    );
    expect(first).toEqual({
      id: 'a1',
      turns: [{ text: '402 payment required', intent: 'error-402-credits' }],
      source: 'x',
    });
  });

  it('reads a multi-turn conversation with its follow-up labels', () => {
    // A "how do I fix it?" turn is checked against the Fix section of the first answer.
    const cases = parseCases(
      '{"id":"c1","turns":[{"text":"429 again","intent":"error-429-rate-limit"},{"text":"how do i fix it","intent":"error-429-rate-limit","followup":"fix"}]}',
    );
    expect(cases).toEqual([
      {
        id: 'c1',
        turns: [
          { text: '429 again', intent: 'error-429-rate-limit' },
          { text: 'how do i fix it', intent: 'error-429-rate-limit', followup: 'fix' },
        ],
      },
    ]);
  });

  it('reads the fixture file with single and multi-turn cases and skips blank lines', () => {
    // The small fixture parses into four cases in file order.
    const cases = readCases(FIXTURE);
    expect(cases.map((c) => c.id)).toEqual(['t001', 't002', 't003', 't004']);
    expect(cases.map((c) => c.turns.length)).toEqual([1, 1, 3, 2]);
    expect(cases[2]!.turns.map((t) => t.followup)).toEqual([undefined, 'fix', undefined]);
    expect(cases[3]!.turns[1]).toEqual({
      text: 'still the same',
      intent: 'error-401-unauthorized',
      followup: 'still',
    });
  });

  it('names the file and line number of a line that is not JSON', () => {
    // A broken line in a labelled file is reported where it is, counting blank lines too.
    const source = `${readFileSync(FIXTURE, 'utf8')}{"id": "t005", "text": "oops"\n`;
    expect(() => parseCases(source, 'small.jsonl')).toThrow(/^small\.jsonl:6: not valid JSON$/);
  });

  it('names the line number of a JSON line without the required fields', () => {
    // A case missing its label is an error, not silently counted as something else.
    expect(() =>
      parseCases('{"id":"a","text":"x","intent":"none"}\n{"id":"b","text":"no label"}', 'x.jsonl'),
    ).toThrow(/x\.jsonl:2: needs "id"/);
  });

  it('rejects an unknown follow-up label', () => {
    // "followup": "maybe" is a typo in the labels, not a new kind of follow-up.
    const line =
      '{"id":"c","turns":[{"text":"a","intent":"x"},{"text":"b","intent":"x","followup":"maybe"}]}';
    expect(() => parseCases(line)).toThrow(/input:1:/);
  });

  it('lists every malformed line at once', () => {
    // One run shows all labelling mistakes in the file.
    const source = 'nope\n{"id":"ok","text":"t","intent":"none"}\n{"turns":[]}\n';
    expect(() => parseCases(source, 'f')).toThrow(/^f:1: not valid JSON\nf:3: needs/);
  });
});
