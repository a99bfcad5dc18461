// Reading screenshots: a small pool of tesseract.js workers (each a worker thread, so OCR never
// blocks the event loop), created once at start with the English data shipped in
// @tesseract.js-data/eng. Nothing is downloaded: langPath is a local folder and the cache is off.
import { createRequire } from 'node:module';
import path from 'node:path';
import { imageSize } from 'image-size';
import { createWorker, OEM, type Worker } from 'tesseract.js';

export interface OcrLimits {
  /** Larger images are not read at all. */
  maxBytes: number;
  /** Width × height above this is not read (decoding alone would take too long). */
  maxPixels: number;
  /** A worker still busy after this long is replaced and the image counts as unreadable. */
  timeoutMs: number;
  /** Images waiting beyond this many are skipped: a flood of screenshots must not build a backlog. */
  maxQueued: number;
}

export const DEFAULT_OCR_LIMITS: OcrLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxPixels: 12_000_000,
  timeoutMs: 3000,
  maxQueued: 8,
};

/** Why an image gave no text, for logs and the bench (never the image or its text). */
export type OcrSkip = 'too large' | 'too many pixels' | 'not an image' | 'timeout' | 'busy' | 'failed';

export type OcrResult = { text: string } | { skipped: OcrSkip };

export interface OcrPool {
  read(image: Uint8Array): Promise<OcrResult>;
  terminate(): Promise<void>;
}

const require = createRequire(import.meta.url);
/** The integer LSTM model: a third of the size of the full one, faster, and enough for UI text. */
export const ENGLISH_DATA_DIR = path.join(
  path.dirname(require.resolve('@tesseract.js-data/eng')),
  '4.0.0_best_int',
);

/** "Error 401" in a 90×24 PNG. A worker's first recognition is slow; it should not be a user's. */
const WARM_UP_IMAGE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAFoAAAAYCAAAAABfU7W5AAABo0lEQVRIx+2VwUtUURjFfzfFGTRXQ4wJupBKqBdIDVTGUPJs47NN4zJQcFnoooEB8R9oYa2KMDeaBC1a5CwUzF1Ki+S9CtpUBgWBtgpmiHHhafHeGx7mvNwMQcxZHO53Lvdw+L4PrhH1wpG6OTes/yfrMWOMMdZhHtw3IwALpxJWEVgbPm4WY1Ofd13Xfe6fdyNcRVi69zIAK2Pjb4ZvbEK570HNFJKk0SvyYd8aTV0NuJLvaMmsVUVJUql3yclJsh1J525KkniiA7G/17PZ78WAp+cfvb009KUqAkwMXAfQ60Hg2kZ87/zUAIxLti0F/CvxWNqzJkNRkp71luXkpJ88lTTTGpu6Oej1HJAC/FFawFYlC+byh6oI324vt0ZjmdjQgfXRvqBORtiElAwuN39cgD2aP3e3bQM76Vjr2nvdk3gFWj8dkez3nudlB71Oc/ElsNp/mNQlD2g6G71JTk4dO/nwYzEitVtAe9KC/NBdZ/HdLJQ+wVcv1fWXMbZJdkEKuXInHSxfITodJydJ8ydazryQtBouwJ8wja+gYf2vrH8DS2MR+WwW2jsAAAAASUVORK5CYII=',
  'base64',
);

async function startWorker(): Promise<Worker> {
  const worker = await createWorker('eng', OEM.LSTM_ONLY, {
    langPath: ENGLISH_DATA_DIR,
    gzip: true,
    // 'none': never read or write a traineddata cache in the working directory.
    cacheMethod: 'none',
  });
  await worker.recognize(WARM_UP_IMAGE);
  return worker;
}

/** Cheap checks before any decoding: size in bytes, format, and pixel count from the header. */
export function checkImage(image: Uint8Array, limits: OcrLimits): OcrSkip | undefined {
  if (image.byteLength > limits.maxBytes) return 'too large';
  let size: { width?: number; height?: number };
  try {
    size = imageSize(image);
  } catch {
    return 'not an image';
  }
  if (!size.width || !size.height) return 'not an image';
  if (size.width * size.height > limits.maxPixels) return 'too many pixels';
  return undefined;
}

export async function createOcrPool(
  options: { workers?: number; limits?: Partial<OcrLimits> } = {},
): Promise<OcrPool> {
  const limits = { ...DEFAULT_OCR_LIMITS, ...options.limits };
  const idle: Worker[] = await Promise.all(Array.from({ length: options.workers ?? 1 }, startWorker));
  /** Every live worker, busy or idle: shutdown ends them all. */
  const alive = new Set(idle);
  const waiting: ((worker: Worker) => void)[] = [];
  const replacements = new Set<Promise<unknown>>();
  let terminated = false;

  const release = (worker: Worker) => {
    if (terminated) {
      alive.delete(worker);
      void worker.terminate().catch(() => undefined);
      return;
    }
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  const acquire = (): Promise<Worker> => {
    const worker = idle.pop();
    return worker ? Promise.resolve(worker) : new Promise((resolve) => waiting.push(resolve));
  };
  // tesseract.js cannot cancel a recognition: a worker that overran is terminated and a fresh one
  // takes its place in the background.
  const replace = (worker: Worker) => {
    alive.delete(worker);
    void worker.terminate().catch(() => undefined);
    if (terminated) return;
    const replacement = startWorker().then(
      (fresh) => {
        alive.add(fresh);
        release(fresh);
      },
      () => undefined,
    );
    replacements.add(replacement);
    void replacement.finally(() => replacements.delete(replacement));
  };

  async function read(image: Uint8Array): Promise<OcrResult> {
    const problem = checkImage(image, limits);
    if (problem) return { skipped: problem };
    if (terminated) return { skipped: 'failed' };
    if (idle.length === 0 && waiting.length >= limits.maxQueued) return { skipped: 'busy' };
    const worker = await acquire();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limits.timeoutMs);
    });
    try {
      // A copy: the worker thread takes ownership of what it is sent.
      const result = await Promise.race([worker.recognize(Buffer.from(image)), timedOut]);
      if (result === 'timeout') {
        replace(worker);
        return { skipped: 'timeout' };
      }
      release(worker);
      return { text: result.data.text };
    } catch {
      replace(worker);
      return { skipped: 'failed' };
    } finally {
      clearTimeout(timer);
    }
  }

  async function terminate(): Promise<void> {
    terminated = true;
    await Promise.allSettled([...replacements]);
    idle.length = 0;
    await Promise.allSettled([...alive].map((worker) => worker.terminate()));
    alive.clear();
  }

  return { read, terminate };
}
