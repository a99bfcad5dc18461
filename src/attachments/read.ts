// From a message's attachments to the error lines they carry: text files (Discord's message.txt,
// logs, JSON, YAML) are read as text, screenshots through OCR. What comes out is only the error
// lines with keys redacted, and which kinds of key were seen; the rest of the text is dropped here.
import { findLeakedKeys, type KeyKind, redactKeys } from '../safety/leaked-keys.ts';
import { errorLines } from './error-lines.ts';
import type { LoadBytes } from './fetch.ts';
import { DEFAULT_OCR_LIMITS, type OcrPool } from './ocr.ts';

export interface AttachmentRef {
  name: string;
  contentType?: string;
  url: string;
  /** Bytes, as Discord reports it: an image over the cap is not even downloaded. */
  size?: number;
}

export interface AttachmentText {
  source: 'screenshot' | 'file';
  name: string;
  /** The lines that carry an error, keys redacted; empty when none did. */
  lines: string[];
  /** Kinds of live-looking key anywhere in it: the warning needs them, the key itself is not kept. */
  leakedKeys: KeyKind[];
}

/** What happened to each attachment, for the log: never its content. */
export interface AttachmentReport {
  name: string;
  kind: 'text' | 'image' | 'other';
  outcome: string;
  lines: number;
}

export const ATTACHMENT_LIMITS = {
  /** A text file is read up to this much; a larger one from its end. */
  textBytes: 256 * 1024,
  imageBytes: DEFAULT_OCR_LIMITS.maxBytes,
  fetchTimeoutMs: 5000,
  maxImages: 2,
  maxTextFiles: 2,
};

const TEXT_TYPES = /^(?:text\/|application\/(?:json|x-yaml|yaml|x-ndjson))/i;
const TEXT_NAMES = /\.(?:txt|log|json|ya?ml)$/i;
const IMAGE_TYPES = /^image\/(?:png|jpeg|webp)\b/i;
const IMAGE_NAMES = /\.(?:png|jpe?g|webp)$/i;

export function attachmentKind(ref: Pick<AttachmentRef, 'name' | 'contentType'>): AttachmentReport['kind'] {
  if (ref.contentType ? IMAGE_TYPES.test(ref.contentType) : IMAGE_NAMES.test(ref.name)) return 'image';
  if (ref.contentType ? TEXT_TYPES.test(ref.contentType) : TEXT_NAMES.test(ref.name)) return 'text';
  // Discord labels some uploads application/octet-stream: the name decides then.
  if (TEXT_NAMES.test(ref.name)) return 'text';
  return 'other';
}

export interface AttachmentReader {
  /** `images: false` skips OCR (the text of files is still read, for leaked keys). */
  read(
    refs: AttachmentRef[],
    options?: { images?: boolean },
  ): Promise<{ texts: AttachmentText[]; report: AttachmentReport[] }>;
}

export function createAttachmentReader({ load, ocr }: { load: LoadBytes; ocr?: OcrPool }): AttachmentReader {
  const fromText = (source: AttachmentText['source'], name: string, text: string): AttachmentText => ({
    source,
    name,
    lines: errorLines(text),
    leakedKeys: findLeakedKeys(text),
  });

  async function readText(ref: AttachmentRef): Promise<AttachmentText | string> {
    const loaded = await load(ref.url, {
      maxBytes: ATTACHMENT_LIMITS.textBytes,
      timeoutMs: ATTACHMENT_LIMITS.fetchTimeoutMs,
      fromEnd: true,
    });
    if ('skipped' in loaded) return loaded.skipped;
    let text = new TextDecoder().decode(loaded.bytes);
    // Read from the middle of a file: its first line is a fragment.
    if (loaded.cut) text = text.slice(text.indexOf('\n') + 1);
    return fromText('file', ref.name, text);
  }

  async function readImage(ref: AttachmentRef): Promise<AttachmentText | string> {
    if (!ocr) return 'no OCR';
    if ((ref.size ?? 0) > ATTACHMENT_LIMITS.imageBytes) return 'too large';
    const loaded = await load(ref.url, {
      maxBytes: ATTACHMENT_LIMITS.imageBytes,
      timeoutMs: ATTACHMENT_LIMITS.fetchTimeoutMs,
      fromEnd: false,
    });
    if ('skipped' in loaded) return loaded.skipped;
    const result = await ocr.read(loaded.bytes);
    if ('skipped' in result) return result.skipped;
    return fromText('screenshot', ref.name, result.text);
  }

  return {
    async read(refs, { images = true } = {}) {
      const texts: AttachmentText[] = [];
      const report: AttachmentReport[] = [];
      const count = { text: 0, image: 0 };
      // One at a time: a message's images queue behind each other, not beside other messages'.
      for (const ref of refs) {
        const kind = attachmentKind(ref);
        let result: AttachmentText | string;
        if (kind === 'other') result = 'not text or an image';
        else if (kind === 'image' && !images) result = 'images not read here';
        else if (kind === 'image' && count.image >= ATTACHMENT_LIMITS.maxImages) result = 'too many images';
        else if (kind === 'text' && count.text >= ATTACHMENT_LIMITS.maxTextFiles) result = 'too many files';
        else {
          count[kind]++;
          result = kind === 'image' ? await readImage(ref) : await readText(ref);
        }
        // The name goes to the log: even a key in a file name stays out of it.
        const name = redactKeys(ref.name);
        if (typeof result === 'string') {
          report.push({ name, kind, outcome: result, lines: 0 });
          continue;
        }
        report.push({ name, kind, outcome: 'read', lines: result.lines.length });
        if (result.lines.length > 0 || result.leakedKeys.length > 0) texts.push(result);
      }
      return { texts, report };
    },
  };
}
