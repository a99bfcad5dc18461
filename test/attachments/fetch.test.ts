import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { httpLoader, isAllowedAttachmentUrl, localFileLoader } from '../../src/attachments/fetch.ts';

describe('isAllowedAttachmentUrl', () => {
  it("allows Discord's CDN hosts over https", () => {
    expect(isAllowedAttachmentUrl('https://cdn.discordapp.com/attachments/1/2/message.txt?ex=1')).toBe(true);
    expect(isAllowedAttachmentUrl('https://media.discordapp.net/attachments/1/2/image.png')).toBe(true);
  });

  it('refuses any other host, plain http, another port and look-alike names', () => {
    for (const url of [
      'https://example.com/message.txt',
      'http://cdn.discordapp.com/attachments/1/2/message.txt',
      'https://cdn.discordapp.com:8443/attachments/1/2/message.txt',
      'https://cdn.discordapp.com.evil.example/message.txt',
      'https://evilcdn.discordapp.com/message.txt',
      'file:///etc/passwd',
      'not a url',
    ])
      expect(isAllowedAttachmentUrl(url), url).toBe(false);
  });

  it('allows the host of DISCORD_API_URL, with its protocol and port only', () => {
    const api = 'http://127.0.0.1:4567/api';
    expect(isAllowedAttachmentUrl('http://127.0.0.1:4567/attachments/1/2/message.txt', api)).toBe(true);
    expect(isAllowedAttachmentUrl('http://127.0.0.1:4568/attachments/1/2/message.txt', api)).toBe(false);
    expect(isAllowedAttachmentUrl('https://127.0.0.1:4567/attachments/1/2/message.txt', api)).toBe(false);
  });
});

describe('httpLoader', () => {
  const big = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i}`).join('\n'));
  const requests: { path: string; range?: string }[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push({ path: req.url ?? '', range: req.headers.range });
      if (req.url === '/big.txt') res.end(big);
      else if (req.url === '/ranged.txt') {
        // A server that honours "bytes=-N", as Discord's CDN does.
        const wanted = Number(/bytes=-(\d+)/.exec(req.headers.range ?? '')?.[1] ?? big.length);
        const start = Math.max(0, big.length - wanted);
        res.writeHead(206, { 'Content-Range': `bytes ${start}-${big.length - 1}/${big.length}` });
        res.end(big.subarray(start));
      } else if (req.url === '/stall.txt') res.writeHead(200).write('Error 401 and then nothing more');
      else if (req.url === '/redirect.txt') res.writeHead(302, { Location: 'https://example.com/x' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const load = () => httpLoader(`${base}/api`);

  it('reads a text file larger than the cap from its end, where the error is', async () => {
    const loaded = await load()(`${base}/big.txt`, { maxBytes: 1000, timeoutMs: 5000, fromEnd: true });
    expect('bytes' in loaded && loaded.cut).toBe(true);
    const text = 'bytes' in loaded ? Buffer.from(loaded.bytes).toString() : '';
    expect(text).toHaveLength(1000);
    expect(text.endsWith('line 39999')).toBe(true);
  });

  it('asks for only the end of a file when the server supports ranges', async () => {
    const loaded = await load()(`${base}/ranged.txt`, { maxBytes: 1000, timeoutMs: 5000, fromEnd: true });
    expect(requests.at(-1)?.range).toBe('bytes=-1000');
    expect('bytes' in loaded && loaded.bytes.byteLength).toBe(1000);
    expect('bytes' in loaded && loaded.cut).toBe(true);
  });

  it('gives up on a file that is larger than the cap when its start is needed (an image)', async () => {
    const loaded = await load()(`${base}/big.txt`, { maxBytes: 1000, timeoutMs: 5000, fromEnd: false });
    expect(loaded).toEqual({ skipped: 'too large' });
  });

  it('gives up on a server that stops sending, within the time limit', async () => {
    const started = Date.now();
    const loaded = await load()(`${base}/stall.txt`, { maxBytes: 1000, timeoutMs: 300, fromEnd: true });
    expect(loaded).toEqual({ skipped: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps its time limit even when fetch itself never settles', async () => {
    // Whatever the HTTP client does with the abort, the message waits no longer than the limit:
    // the asker gets the bot's answer (or silence) without the attachment.
    vi.stubGlobal('fetch', () => new Promise(() => undefined));
    try {
      const started = Date.now();
      const loaded = await load()(`${base}/big.txt`, { maxBytes: 1000, timeoutMs: 200, fromEnd: true });
      expect(loaded).toEqual({ skipped: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('does not follow a redirect to another host', async () => {
    const loaded = await load()(`${base}/redirect.txt`, { maxBytes: 1000, timeoutMs: 2000, fromEnd: true });
    expect(loaded).toEqual({ skipped: 'failed' });
  });

  it('never requests a URL outside the allow-list', async () => {
    const before = requests.length;
    const loaded = await httpLoader()(`${base}/big.txt`, { maxBytes: 1000, timeoutMs: 2000, fromEnd: true });
    expect(loaded).toEqual({ skipped: 'host not allowed' });
    expect(requests.length).toBe(before);
  });
});

describe('localFileLoader', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'attachments-'));
  const file = path.join(dir, 'console.log');
  writeFileSync(file, `${'x'.repeat(5000)}\nError 401 Unauthorized`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the end of a large local file, as for a Discord attachment', async () => {
    const loaded = await localFileLoader(pathToFileURL(file).href, {
      maxBytes: 100,
      timeoutMs: 1000,
      fromEnd: true,
    });
    expect('bytes' in loaded && Buffer.from(loaded.bytes).toString().endsWith('Error 401 Unauthorized')).toBe(
      true,
    );
    expect('bytes' in loaded && loaded.cut).toBe(true);
  });

  it('reads only file: URLs', async () => {
    expect(
      await localFileLoader('https://cdn.discordapp.com/x.txt', {
        maxBytes: 100,
        timeoutMs: 1000,
        fromEnd: true,
      }),
    ).toEqual({
      skipped: 'host not allowed',
    });
  });
});
