// OCR on the committed screenshot fixtures, with the real tesseract.js workers. The time limit here
// is generous because CI machines are slow and shared; the 3 s limit itself is tested separately.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLines } from '../../src/attachments/error-lines.ts';
import {
  checkImage,
  createOcrPool,
  DEFAULT_OCR_LIMITS,
  ENGLISH_DATA_DIR,
  type OcrPool,
} from '../../src/attachments/ocr.ts';

const fixture = (name: string) => readFileSync(new URL(`../../eval/attachments/${name}`, import.meta.url));
const textOf = async (pool: OcrPool, name: string) => {
  const result = await pool.read(fixture(name));
  if (!('text' in result)) throw new Error(`${name} was not read: ${result.skipped}`);
  return result.text;
};

describe('the OCR pool', () => {
  let pool: OcrPool;
  beforeAll(async () => {
    pool = await createOcrPool({ workers: 1, limits: { timeoutMs: 30_000 } });
  }, 60_000);
  afterAll(() => pool?.terminate());

  it('reads the JSON error of a terminal screenshot', async () => {
    const lines = errorLines(await textOf(pool, '401-terminal.png'));
    expect(lines.join('\n')).toMatch(/"message": ?"No auth credentials found", ?"code": ?401/);
  }, 60_000);

  it("reads SillyTavern's red Insufficient credits toast", async () => {
    expect(errorLines(await textOf(pool, 'credits-toast.png'))).toContain(
      'Insufficient credits. Add more using',
    );
  }, 60_000);

  it('finds no error line in a photo or in a roleplay screenshot', async () => {
    expect(errorLines(await textOf(pool, 'photo-no-text.jpg'))).toEqual([]);
    expect(errorLines(await textOf(pool, 'chat-no-error.png'))).toEqual([]);
  }, 60_000);

  it('keeps the event loop free while an image is read', async () => {
    let last = Date.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = Date.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const started = Date.now();
    await textOf(pool, '401-terminal.png');
    const took = Date.now() - started;
    clearInterval(ticker);
    // On the main thread the loop would stall for the whole recognition (hundreds of ms or more).
    expect(longestGap).toBeLessThan(Math.max(150, took / 2));
  }, 60_000);

  it('uses the English data shipped in the package and writes no cache file', () => {
    expect(ENGLISH_DATA_DIR).toContain(path.join('node_modules', '@tesseract.js-data', 'eng'));
    expect(existsSync(path.join(ENGLISH_DATA_DIR, 'eng.traineddata.gz'))).toBe(true);
    expect(existsSync('eng.traineddata')).toBe(false);
  });
});

describe('the OCR time limit', () => {
  it('gives up on an image after the limit and keeps serving with a fresh worker', async () => {
    const pool = await createOcrPool({ workers: 1, limits: { timeoutMs: 5 } });
    try {
      expect(await pool.read(fixture('401-terminal.png'))).toEqual({ skipped: 'timeout' });
      // The timed-out worker is gone: without a replacement this read would wait forever.
      expect(await pool.read(fixture('401-terminal.png'))).toEqual({ skipped: 'timeout' });
    } finally {
      await pool.terminate();
    }
  }, 60_000);
});

describe('checkImage', () => {
  it('refuses an image over the byte cap before decoding it', () => {
    expect(checkImage(new Uint8Array(DEFAULT_OCR_LIMITS.maxBytes + 1), DEFAULT_OCR_LIMITS)).toBe('too large');
  });

  it('refuses an image whose header claims too many pixels', () => {
    const png = Buffer.from(fixture('credits-toast.png'));
    // IHDR: width and height are the big-endian words at bytes 16 and 20.
    png.writeUInt32BE(5000, 16);
    png.writeUInt32BE(5000, 20);
    expect(checkImage(png, DEFAULT_OCR_LIMITS)).toBe('too many pixels');
  });

  it('refuses bytes that are not an image', () => {
    expect(checkImage(Buffer.from('Error 401, not a picture'), DEFAULT_OCR_LIMITS)).toBe('not an image');
  });

  it('accepts a screenshot of ordinary size', () => {
    expect(checkImage(fixture('401-terminal.png'), DEFAULT_OCR_LIMITS)).toBeUndefined();
  });
});
