// Getting an attachment's bytes: over HTTP only from Discord's CDN (or the host of DISCORD_API_URL,
// where the wire tests serve files), and from local files for the console chat and the eval.
// Every read is capped in bytes and time; a text file larger than the cap is read from its end,
// because that is where a log's error is.
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const DISCORD_CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];

export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
  /** true: keep the last maxBytes of a larger file; false: a larger file is not read. */
  fromEnd: boolean;
}

export type LoadSkip = 'host not allowed' | 'too large' | 'timeout' | 'failed';
export type Loaded = { bytes: Uint8Array; cut: boolean } | { skipped: LoadSkip };
export type LoadBytes = (url: string, limits: ReadLimits) => Promise<Loaded>;

/** Beyond this a file is not streamed even to find its end (Discord allows up to 500 MB). */
const MAX_STREAMED_BYTES = 32 * 1024 * 1024;

export function isAllowedAttachmentUrl(url: string, discordApiUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:' && !parsed.port && DISCORD_CDN_HOSTS.includes(parsed.hostname))
    return true;
  if (!discordApiUrl) return false;
  const api = new URL(discordApiUrl);
  return parsed.protocol === api.protocol && parsed.host === api.host;
}

/** Keeps the last `max` bytes of a stream without holding the rest. */
function tailKeeper(max: number) {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  return {
    add(chunk: Uint8Array) {
      chunks.push(chunk);
      kept += chunk.byteLength;
      total += chunk.byteLength;
      while (chunks.length > 1 && kept - chunks[0]!.byteLength >= max) kept -= chunks.shift()!.byteLength;
    },
    get total() {
      return total;
    },
    result(): { bytes: Uint8Array; cut: boolean } {
      const all = Buffer.concat(chunks);
      return { bytes: all.subarray(Math.max(0, all.byteLength - max)), cut: total > max };
    },
  };
}

export function httpLoader(discordApiUrl?: string): LoadBytes {
  return async (url, limits) => {
    if (!isAllowedAttachmentUrl(url, discordApiUrl)) return { skipped: 'host not allowed' };
    const controller = new AbortController();
    // The time limit is kept here, not left to fetch alone: a body that stalled after its headers
    // once outlived a 300 ms limit by 20 s in a loaded test run, and a message must never wait on
    // an attachment longer than the limit.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Loaded>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ skipped: 'timeout' });
      }, limits.timeoutMs);
    });
    try {
      return await Promise.race([fetchBytes(url, limits, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

async function fetchBytes(url: string, limits: ReadLimits, signal: AbortSignal): Promise<Loaded> {
  try {
    const response = await fetch(url, {
      signal,
      // A redirect could lead anywhere: the allow-list holds for the URL that is read.
      redirect: 'error',
      headers: limits.fromEnd ? { Range: `bytes=-${limits.maxBytes}` } : {},
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { skipped: 'failed' };
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const cap = limits.fromEnd ? MAX_STREAMED_BYTES : limits.maxBytes;
    if (declared > cap) {
      await response.body.cancel();
      return { skipped: 'too large' };
    }
    const tail = tailKeeper(limits.maxBytes);
    for await (const chunk of response.body) {
      tail.add(chunk);
      if (tail.total > cap) {
        await response.body.cancel().catch(() => undefined);
        return { skipped: 'too large' };
      }
    }
    const result = tail.result();
    // A 206 is the end of a file whose whole size is in Content-Range ("bytes 7-9/10").
    const whole = Number(response.headers.get('content-range')?.split('/')[1] ?? Number.NaN);
    return response.status === 206 ? { bytes: result.bytes, cut: whole > result.bytes.byteLength } : result;
  } catch {
    return { skipped: signal.aborted ? 'timeout' : 'failed' };
  }
}

/** file: URLs only: the console chat's --attach and the eval's attachment cases. */
export const localFileLoader: LoadBytes = async (url, limits) => {
  if (!url.startsWith('file:')) return { skipped: 'host not allowed' };
  try {
    const file = await open(fileURLToPath(url));
    try {
      const { size } = await file.stat();
      if (size > limits.maxBytes && !limits.fromEnd) return { skipped: 'too large' };
      const length = Math.min(size, limits.maxBytes);
      const bytes = Buffer.alloc(length);
      await file.read(bytes, 0, length, size - length);
      return { bytes, cut: size > length };
    } finally {
      await file.close();
    }
  } catch {
    return { skipped: 'failed' };
  }
};
