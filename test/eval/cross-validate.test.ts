import { describe, expect, it } from 'vitest';
import { buildClassifier, DEFAULT_SETTINGS } from '../../src/classifier/classifier.ts';
import { readCases } from '../../src/eval/cases.ts';
import { crossValidate, foldsBySource } from '../../src/eval/cross-validate.ts';
import { EVAL_GUILD_ID } from '../../src/eval/evaluate.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');
// A slice of the real corpus keeps each fold's training quick.
const cases = readCases('eval/train.jsonl').slice(0, 150);

describe('cross-validation', () => {
  it('never puts one source in two folds, and puts every case in one', () => {
    const folds = foldsBySource(cases, 3);
    const foldOf = new Map<string, number>();
    for (const [index, fold] of folds.entries()) {
      for (const c of fold) {
        const source = c.source ?? c.id;
        expect(foldOf.get(source) ?? index, source).toBe(index);
        foldOf.set(source, index);
      }
    }
    expect(
      folds
        .flat()
        .map((c) => c.id)
        .sort(),
    ).toEqual(cases.map((c) => c.id).sort());
  });

  it('measures each message with what the bot would do at fixed thresholds, when asked to', async () => {
    const fixed = { ...DEFAULT_SETTINGS, threshold: 0.77 };
    const cv = await crossValidate(kb, cases, 3, { settings: fixed });
    // A running bot keeps its thresholds when a moderator teaches it: no fold searches its own.
    expect(cv.foldSettings).toEqual([fixed, fixed, fixed]);
    const turns = cases.reduce((sum, c) => sum + c.turns.length, 0);
    expect(cv.results).toHaveLength(turns);
  });

  it('never measures a message on what a moderator taught from it', async () => {
    const asked = cases.find((c) => c.turns.length === 1 && c.turns[0]!.intent !== 'csrf-token')!;
    const text = asked.turns[0]!.text;
    // Taught in the server the eval's messages are written in, so that the moderator's verdict on
    // the exact message would apply if the lesson leaked into its own fold.
    const taught = { caseId: asked.id, labeled: { text, intent: 'csrf-token', guildId: EVAL_GUILD_ID } };
    // Taught, the bot answers that exact message with the taught entry, whatever the model says…
    const withLesson = buildClassifier(kb.entries, { taught: [taught.labeled] });
    expect(withLesson.classify(text, EVAL_GUILD_ID)).toMatchObject({ rule: 'answer', intent: 'csrf-token' });
    // …but while its own message is held out, the lesson is left out of training.
    const cv = await crossValidate(kb, cases, 3, { settings: DEFAULT_SETTINGS, extra: [taught] });
    const result = cv.results.find((r) => r.caseId === asked.id)!;
    expect(result.answered).not.toBe('csrf-token');
  });
});
