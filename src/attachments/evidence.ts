// What the pipeline does with attachment text: the error lines are classified together with the
// message, their keys get the usual warning, and an answer says which line it read.
import type { Classifier } from '../classifier/classifier.ts';
import { type KeyKind, redactKeys } from '../safety/leaked-keys.ts';
import type { AttachmentText } from './read.ts';

/** The text the classifier reads: the asker's words, then the error lines of the attachments. */
export function textWithAttachments(text: string, attachments: AttachmentText[] = []): string {
  return [text, ...attachments.flatMap((a) => a.lines)].filter(Boolean).join('\n');
}

/** The kinds of leaked key in the message and its attachments, each once. */
export function leakedKeyKinds(inMessage: KeyKind[], attachments: AttachmentText[] = []): KeyKind[] {
  return [...new Set([...inMessage, ...attachments.flatMap((a) => a.leakedKeys)])];
}

const MAX_QUOTE_LENGTH = 160;

/** A line shown in a code span: no backticks to break out of it, one line (render defuses mentions). */
function quotable(text: string, max: number): string {
  const flat = text.replace(/`/g, "'").replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A file name shown as plain text: no markdown, no mention syntax. */
function plainName(name: string): string {
  return redactKeys(name)
    .replace(/[^\w.\- ]|_/g, '-')
    .slice(0, 40);
}

/**
 * "From your screenshot: `…`": the attachment line that points most to the answered entry, or
 * undefined when no line does (the answer then came from the message itself).
 */
export function attachmentQuote(
  intent: string,
  attachments: AttachmentText[] = [],
  classifier: Pick<Classifier, 'classify'>,
): string | undefined {
  let best: { attachment: AttachmentText; line: string; score: number } | undefined;
  for (const attachment of attachments) {
    for (const line of attachment.lines) {
      // The line must point to this entry first on its own, not merely share a word with it.
      const [top] = classifier.classify(line).candidates;
      if (top?.intent === intent && top.score > (best?.score ?? 0))
        best = { attachment, line, score: top.score };
    }
  }
  if (!best) return undefined;
  const source =
    best.attachment.source === 'screenshot' ? 'screenshot' : plainName(best.attachment.name) || 'file';
  return `From your ${source}: \`${quotable(best.line, MAX_QUOTE_LENGTH)}\``;
}
