import { describe, expect, it } from 'vitest';
import type { AttachmentReader } from '../../src/attachments/read.ts';
import { withAttachmentText } from '../../src/discord/incoming.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';

/** A reader that records what it was asked to read. */
function recordingReader() {
  const calls: { names: string[]; images: boolean | undefined }[] = [];
  const reader: AttachmentReader = {
    async read(refs, options) {
      calls.push({ names: refs.map((r) => r.name), images: options?.images });
      return {
        texts: [{ source: 'file', name: 'message.txt', lines: ['Error 401'], leakedKeys: [] }],
        report: [],
      };
    },
  };
  return { reader, calls };
}

const message = (overrides: Partial<IncomingMessage> = {}): IncomingMessage => ({
  id: 'm1',
  guildId: 'g1',
  channelId: 'c1',
  channelName: 'sillytavern',
  author: { id: 'u1', displayName: 'u1', isBot: false, roles: [] },
  content: 'help',
  attachments: [{ name: 'message.txt', url: 'https://cdn.discordapp.com/a/message.txt' }],
  createdAt: 0,
  ...overrides,
});

describe('withAttachmentText', () => {
  it('adds what the reader found to a message in a support channel, screenshots included', async () => {
    const { reader, calls } = recordingReader();
    const { incoming } = await withAttachmentText(message(), reader, ['sillytavern']);
    expect(incoming.attachmentText?.[0]?.lines).toEqual(['Error 401']);
    expect(calls).toEqual([{ names: ['message.txt'], images: true }]);
  });

  it('reads no screenshots outside the support channels, but still reads text files for keys', async () => {
    const { reader, calls } = recordingReader();
    await withAttachmentText(message({ channelName: 'general' }), reader, ['sillytavern']);
    expect(calls).toEqual([{ names: ['message.txt'], images: false }]);
  });

  it('reads nothing for bots, webhooks and messages without attachments', async () => {
    const { reader, calls } = recordingReader();
    await withAttachmentText(
      message({ author: { id: 'b', displayName: 'b', isBot: true, roles: [] } }),
      reader,
      ['sillytavern'],
    );
    await withAttachmentText(
      message({ author: { id: 'w', displayName: 'w', isBot: false, isWebhookOrSystem: true, roles: [] } }),
      reader,
      ['sillytavern'],
    );
    await withAttachmentText(message({ attachments: [] }), reader, ['sillytavern']);
    expect(calls).toEqual([]);
  });
});
