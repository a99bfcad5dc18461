// The labeled JSONL format of shared/eval: single messages and multi-turn conversations.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const turnSchema = z.object({
  text: z.string(),
  intent: z.string().min(1),
  followup: z.enum(['why', 'fix', 'still']).optional(),
});

const source = z.string().min(1).optional();
const singleSchema = z.object({ id: z.string(), text: z.string(), intent: z.string().min(1), source });
const conversationSchema = z.object({ id: z.string(), turns: z.array(turnSchema).min(1), source });

export type EvalTurn = z.output<typeof turnSchema>;
export interface EvalCase {
  id: string;
  turns: EvalTurn[];
  /** The thread or page a case came from: cross-validation keeps one source in one fold. */
  source?: string;
}

export function parseCases(source: string, name = 'input'): EvalCase[] {
  const cases: EvalCase[] = [];
  const problems: string[] = [];
  source.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push(`${name}:${index + 1}: not valid JSON`);
      return;
    }
    const conversation = conversationSchema.safeParse(json);
    const single = singleSchema.safeParse(json);
    if (conversation.success) cases.push(conversation.data);
    else if (single.success)
      cases.push({
        id: single.data.id,
        turns: [{ text: single.data.text, intent: single.data.intent }],
        source: single.data.source,
      });
    else problems.push(`${name}:${index + 1}: needs "id" and either "text" + "intent" or "turns"`);
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return cases;
}

export function readCases(file: string): EvalCase[] {
  return parseCases(readFileSync(file, 'utf8'), file);
}

/** What a case teaches the classifier: every turn that stands alone (follow-ups refer back instead). */
export function trainingTexts(cases: EvalCase[]): { text: string; intent: string }[] {
  return cases.flatMap((c) =>
    c.turns.filter((t) => !t.followup).map(({ text, intent }) => ({ text, intent })),
  );
}
