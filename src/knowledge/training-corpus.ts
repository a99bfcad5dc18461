// The training corpus: real messages labeled with an entry id or `none` (eval/train.jsonl, the
// format of the evaluation files). The classifier learns from it next to the knowledge files; a
// missing file only means it learns from the knowledge files alone.
import { existsSync, readFileSync } from 'node:fs';
import type { LabeledText } from '../classifier/classifier.ts';

interface Turn {
  text?: unknown;
  intent?: unknown;
  followup?: unknown;
}

/** Every standalone labeled message (follow-up turns refer back to an answer and are skipped). */
export function readTrainingCorpus(file: string): { texts: LabeledText[]; problems: string[] } {
  if (!existsSync(file)) return { texts: [], problems: [] };
  const texts: LabeledText[] = [];
  const problems: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (!line.trim()) return;
      let json: { turns?: Turn[] } & Turn;
      try {
        json = JSON.parse(line);
      } catch {
        problems.push(`${file}:${index + 1}: not valid JSON`);
        return;
      }
      const turns = Array.isArray(json.turns) ? json.turns : [json];
      for (const turn of turns) {
        if (typeof turn.text !== 'string' || typeof turn.intent !== 'string') {
          problems.push(`${file}:${index + 1}: needs "text" and "intent"`);
          return;
        }
        if (!turn.followup) texts.push({ text: turn.text, intent: turn.intent });
      }
    });
  return { texts, problems };
}
