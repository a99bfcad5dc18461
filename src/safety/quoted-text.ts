/** Quoted lines ("> ...") are someone else's words; the bot answers only what the asker wrote. */
export function withoutQuotes(content: string): string {
  return content
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n')
    .trim();
}
