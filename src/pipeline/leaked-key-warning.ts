import type { KeyKind } from '../safety/leaked-keys.ts';

/** The warning for a message that contains a live-looking API key. It never repeats the key. */
export function renderLeakedKeyWarning(
  kinds: KeyKind[],
  footer: string,
): { reply: string; replyIfDeleted: string } {
  const names = kinds.map((k) => k.provider).join(' and ');
  const revoke = kinds
    .map((k) => `- ${k.provider}: revoke it at <${k.revokeAt}> and create a new one`)
    .join('\n');
  const body = (deleted: boolean) =>
    [
      `⚠️ Your message contains what looks like ${/^[AEIOUaeiou]/.test(names) ? 'an' : 'a'} ${names} API key. Anyone in this channel can use it and spend your credits, so treat it as leaked.`,
      deleted
        ? 'I deleted your message. The key is still compromised:'
        : 'Delete your message, and then revoke the key, since others may already have copied it:',
      revoke,
      'Never paste keys in Discord: "✔️ Key saved" in SillyTavern is enough to show that a key is set.',
      footer,
    ].join('\n');
  return { reply: body(false), replyIfDeleted: body(true) };
}
