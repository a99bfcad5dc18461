import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type LoadBytes, localFileLoader } from '../../src/attachments/fetch.ts';
import type { OcrPool } from '../../src/attachments/ocr.ts';
import { ATTACHMENT_LIMITS, attachmentKind, createAttachmentReader } from '../../src/attachments/read.ts';
import { fakeKeys } from '../safety/support.ts';

const fixtureUrl = (name: string) =>
  pathToFileURL(new URL(`../../eval/attachments/${name}`, import.meta.url).pathname).href;

/** An OCR stand-in that records how many images it was reading at once. */
function countingOcr(text = 'Error 429: Too Many Requests') {
  const seen = { calls: 0, atOnce: 0, mostAtOnce: 0 };
  const ocr: OcrPool = {
    async read() {
      seen.calls++;
      seen.atOnce++;
      seen.mostAtOnce = Math.max(seen.mostAtOnce, seen.atOnce);
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.atOnce--;
      return { text };
    },
    terminate: async () => undefined,
  };
  return { ocr, seen };
}

const image = (name: string, size = 1000) => ({
  name,
  contentType: 'image/png',
  url: `https://cdn.discordapp.com/${name}`,
  size,
});
const bytesLoader: LoadBytes = async () => ({ bytes: new Uint8Array(10), cut: false });

describe('attachmentKind', () => {
  it("reads Discord's message.txt, logs, JSON and YAML as text and PNG, JPEG and WebP as images", () => {
    expect(attachmentKind({ name: 'message.txt', contentType: 'text/plain; charset=utf-8' })).toBe('text');
    expect(attachmentKind({ name: 'server.log', contentType: 'application/octet-stream' })).toBe('text');
    expect(attachmentKind({ name: 'config.yaml' })).toBe('text');
    expect(attachmentKind({ name: 'error.json', contentType: 'application/json' })).toBe('text');
    expect(attachmentKind({ name: 'Screenshot_1.png', contentType: 'image/png' })).toBe('image');
    expect(attachmentKind({ name: 'photo.webp', contentType: 'image/webp' })).toBe('image');
    expect(attachmentKind({ name: 'clip.mp4', contentType: 'video/mp4' })).toBe('other');
    expect(attachmentKind({ name: 'card.gif', contentType: 'image/gif' })).toBe('other');
  });
});

describe('the attachment reader', () => {
  it('returns the error line of a message.txt console log', async () => {
    const reader = createAttachmentReader({ load: localFileLoader });
    const { texts } = await reader.read([{ name: 'message.txt', url: fixtureUrl('message-401.txt') }]);
    expect(texts).toEqual([
      {
        source: 'file',
        name: 'message.txt',
        lines: [
          'Chat completion request error:  Unauthorized {"error":{"message":"No auth credentials found","code":401}}',
        ],
        leakedKeys: [],
      },
    ]);
  });

  it('reports a key anywhere in a text file by its kind, without keeping the key', async () => {
    const key = fakeKeys()[0]!.key;
    const load: LoadBytes = async () => ({
      bytes: Buffer.from(`OPENROUTER_KEY=${key}\nall fine`),
      cut: false,
    });
    const { texts } = await createAttachmentReader({ load }).read([{ name: 'config.txt', url: 'x' }]);
    expect(texts[0]?.leakedKeys.map((k) => k.provider)).toEqual(['OpenRouter']);
    expect(JSON.stringify(texts)).not.toContain(key);
  });

  it('drops the partial first line of a file read from the middle', async () => {
    const load: LoadBytes = async () => ({
      bytes: Buffer.from('rror 500 cut in half\nError 401 Unauthorized'),
      cut: true,
    });
    const { texts } = await createAttachmentReader({ load }).read([{ name: 'message.txt', url: 'x' }]);
    expect(texts[0]?.lines).toEqual(['Error 401 Unauthorized']);
  });

  it('reads at most two images of a message, one at a time', async () => {
    const { ocr, seen } = countingOcr();
    const reader = createAttachmentReader({ load: bytesLoader, ocr });
    const { texts, report } = await reader.read([image('a.png'), image('b.png'), image('c.png')]);
    expect(seen).toMatchObject({ calls: 2, mostAtOnce: 1 });
    expect(texts.map((t) => t.source)).toEqual(['screenshot', 'screenshot']);
    expect(report.at(-1)).toEqual({ name: 'c.png', kind: 'image', outcome: 'too many images', lines: 0 });
  });

  it('does not download an image Discord reports as larger than the cap', async () => {
    let loads = 0;
    const load: LoadBytes = async () => {
      loads++;
      return { bytes: new Uint8Array(10), cut: false };
    };
    const { ocr, seen } = countingOcr();
    const { report } = await createAttachmentReader({ load, ocr }).read([image('huge.png', 8 * 1024 * 1024)]);
    expect(loads).toBe(0);
    expect(seen.calls).toBe(0);
    expect(report[0]?.outcome).toBe('too large');
    expect(ATTACHMENT_LIMITS.imageBytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('skips screenshots where images are not read, but still reads text files', async () => {
    const { ocr, seen } = countingOcr();
    const reader = createAttachmentReader({ load: localFileLoader, ocr });
    const { texts } = await reader.read(
      [image('meme.png'), { name: 'message.txt', url: fixtureUrl('message-401.txt') }],
      { images: false },
    );
    expect(seen.calls).toBe(0);
    expect(texts.map((t) => t.name)).toEqual(['message.txt']);
  });

  it('leaves out a file without error lines or keys, and ignores videos and archives', async () => {
    const reader = createAttachmentReader({ load: localFileLoader });
    const { texts, report } = await reader.read([
      { name: 'message.txt', url: fixtureUrl('message-clean.txt') },
      { name: 'logs.zip', contentType: 'application/zip', url: 'x' },
    ]);
    expect(texts).toEqual([]);
    expect(report.map((r) => r.outcome)).toEqual(['read', 'not text or an image']);
  });
});
