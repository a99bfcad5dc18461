// Which lines of a pasted log or a screenshot's text carry the error. Only these join the
// classification: a console log is mostly noise ("Generating with…", prompts, timings), and the
// text of a photo or a roleplay screenshot has no error line at all, so it changes nothing.
import { redactKeys } from '../safety/leaked-keys.ts';

/** Status codes (not inside numbers, times or versions), error words and error bodies. */
const ERROR_LINE =
  /(?<!\d|\d[.:/-])[45]\d\d(?!\d|[.:/-]\d)|error|exception|fail(?:s|ed|ure)?\b|unauthori[sz]ed|forbidden|insufficient|exceeded|denied|invalid|not found|missing|timed? ?out|refused|rate.?limit|too many requests|payment required/i;
/** Node's network errors: ECONNREFUSED, ETIMEDOUT, ENOTFOUND… */
const ERRNO = /\bE[A-Z]{4,}\b/;
/** "    at handler (server.js:1:2)": the stack below an error head repeats nothing useful. */
const STACK_FRAME = /^\s*at\s+\S/;
/** The fields of a pretty-printed JSON error body, on the lines after `"error": {`. */
const ERROR_BODY_FIELD = /^\s*"?(?:message|code|status|type|reason|metadata)"?\s*[:=]/i;

/** At most this many lines: the last ones, where a log's latest error is. */
export const MAX_ERROR_LINES = 6;
/** A longer line is cut: enough for any error message, not a whole minified payload. */
export const MAX_LINE_LENGTH = 300;

export function errorLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const found: string[] = [];
  let bodyLinesLeft = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || STACK_FRAME.test(line)) continue;
    const isError = ERROR_LINE.test(line) || ERRNO.test(line);
    if (isError || (bodyLinesLeft > 0 && ERROR_BODY_FIELD.test(line))) {
      found.push(redactKeys(line).slice(0, MAX_LINE_LENGTH));
      if (isError) bodyLinesLeft = 4;
    }
    bodyLinesLeft = Math.max(0, bodyLinesLeft - 1);
  }
  // The same error repeated on every retry counts once, at its last occurrence.
  const distinct = found.filter((line, index) => found.lastIndexOf(line) === index);
  return distinct.slice(-MAX_ERROR_LINES);
}
