// The labeled JSONL format of shared/eval: single messages and multi-turn conversations. A message
// may carry files (`"attachments": [{"path": "attachments/401-terminal.png"}]`, relative to the
// JSONL file), read as the bot reads Discord attachments.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const attachmentsSchema = z
  .array(z.object({ path: z.string().min(1) }))
  .min(1)
  .optional();

const turnSchema = z.object({
  text: z.string(),
  intent: z.string().min(1),
  followup: z.enum(['why', 'fix', 'still']).optional(),
  attachments: attachmentsSchema,
});

const source = z.string().min(1).optional();
const singleSchema = z.object({
  id: z.string(),
  text: z.string(),
  intent: z.string().min(1),
  attachments: attachmentsSchema,
  source,
});
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
    else if (single.success) {
      const { id, text, intent, attachments, source } = single.data;
      cases.push({ id, turns: [attachments ? { text, intent, attachments } : { text, intent }], source });
    } else problems.push(`${name}:${index + 1}: needs "id" and either "text" + "intent" or "turns"`);
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return cases;
}

/** Attachment paths come back absolute, resolved against the file's folder. */
export function readCases(file: string): EvalCase[] {
  const dir = path.dirname(path.resolve(file));
  return parseCases(readFileSync(file, 'utf8'), file).map((c) => ({
    ...c,
    turns: c.turns.map((turn) =>
      turn.attachments
        ? { ...turn, attachments: turn.attachments.map((a) => ({ path: path.resolve(dir, a.path) })) }
        : turn,
    ),
  }));
}

/** What a case teaches the classifier: every turn that stands alone (follow-ups refer back instead). */
export function trainingTexts(cases: EvalCase[]): { text: string; intent: string }[] {
  return cases.flatMap((c) =>
    c.turns.filter((t) => !t.followup).map(({ text, intent }) => ({ text, intent })),
  );
}
