// The labeled JSONL format of shared/eval: single messages and multi-turn conversations.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const turnSchema = z.object({
  text: z.string(),
  intent: z.string().min(1),
  followup: z.enum(['why', 'fix', 'still']).optional(),
});

const singleSchema = z.object({ id: z.string(), text: z.string(), intent: z.string().min(1) });
const conversationSchema = z.object({ id: z.string(), turns: z.array(turnSchema).min(1) });

export type EvalTurn = z.output<typeof turnSchema>;
export interface EvalCase {
  id: string;
  turns: EvalTurn[];
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
      cases.push({ id: single.data.id, turns: [{ text: single.data.text, intent: single.data.intent }] });
    else problems.push(`${name}:${index + 1}: needs "id" and either "text" + "intent" or "turns"`);
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return cases;
}

export function readCases(file: string): EvalCase[] {
  return parseCases(readFileSync(file, 'utf8'), file);
}
