import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, MAX_ERROR_LINES } from '../../src/attachments/error-lines.ts';
import { fakeKeys } from '../safety/support.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../eval/attachments/${name}`, import.meta.url), 'utf8');

describe('errorLines', () => {
  it('keeps only the error line of a SillyTavern console log, not the prompt around it', () => {
    expect(errorLines(fixture('message-401.txt'))).toEqual([
      'Chat completion request error:  Unauthorized {"error":{"message":"No auth credentials found","code":401}}',
    ]);
  });

  it('keeps the message and code of a pretty-printed JSON error body', () => {
    const log = [
      'OpenRouter API returned error:',
      '{',
      '  "error": {',
      '    "message": "Insufficient credits",',
      '    "code": 402',
      '  }',
      '}',
    ].join('\n');
    expect(errorLines(log)).toEqual([
      'OpenRouter API returned error:',
      '"error": {',
      '"message": "Insufficient credits",',
      '"code": 402',
    ]);
  });

  it('keeps the head of a stack trace and drops its frames', () => {
    const log =
      'TypeError: fetch failed\n    at node:internal/deps/undici:13502:13\n    at async sendRequest (/st/src/endpoints/backends/chat-completions.js:912:26)';
    expect(errorLines(log)).toEqual(['TypeError: fetch failed']);
  });

  it('finds nothing in a log of a request that went fine', () => {
    expect(errorLines(fixture('message-clean.txt'))).toEqual([]);
  });

  it('does not take ports, versions and timings for status codes', () => {
    expect(
      errorLines('listening on http://127.0.0.1:8000/\nSillyTavern 1.13.4\nfinished in 404.5 ms\nv4.0.1'),
    ).toEqual([]);
  });

  it('takes a status code at the end of a sentence or after a colon', () => {
    expect(errorLines('The server answered 404.\nstatus:503\nall fine')).toEqual([
      'The server answered 404.',
      'status:503',
    ]);
  });

  it('finds nothing in the kind of noise OCR reads from a photo', () => {
    expect(errorLines('Pe\nee Bian\n\n')).toEqual([]);
  });

  it('counts an error repeated on every retry once, and keeps only the last few lines', () => {
    const retries = Array.from({ length: 10 }, () => 'Error 429: Too Many Requests').join('\n');
    expect(errorLines(retries)).toEqual(['Error 429: Too Many Requests']);
    const many = Array.from({ length: 20 }, (_, i) => `error number ${i}`).join('\n');
    expect(errorLines(many)).toHaveLength(MAX_ERROR_LINES);
    expect(errorLines(many).at(-1)).toBe('error number 19');
  });

  it('removes a leaked key from the line it keeps', () => {
    const key = fakeKeys()[0]!.key;
    const [line] = errorLines(`Error 401 with Authorization: Bearer ${key}`);
    expect(line).toBe('Error 401 with Authorization: Bearer [REDACTED OpenRouter key]');
  });
});
