// npm run bench:attachments [-- --json] [-- --rounds N]: what reading attachments costs. OCR
// latency per screenshot (the committed fixtures, one at a time, as a message's images are read),
// text-attachment latency over HTTP on 127.0.0.1 (fetch, tail, error lines), and the process's
// memory before and after the OCR workers are loaded.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpLoader } from '../src/attachments/fetch.ts';
import { createOcrPool } from '../src/attachments/ocr.ts';
import { attachmentKind, createAttachmentReader } from '../src/attachments/read.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 5;
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: npm run bench:attachments -- [--json] [--rounds N]');
  process.exit(2);
}

const FIXTURES = fileURLToPath(new URL('../eval/attachments/', import.meta.url));
const files = readdirSync(FIXTURES).sort();
const images = files.filter((name) => attachmentKind({ name }) === 'image');
const logs = files.filter((name) => attachmentKind({ name }) === 'text');

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 10) / 10;
}
async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

// Text attachments: the fixtures as they are, and a log of 8 MB whose error is at the end.
const served = new Map<string, Buffer>(
  logs.map((name) => [`/${name}`, readFileSync(path.join(FIXTURES, name))]),
);
served.set(
  '/huge-message.txt',
  Buffer.concat([
    Buffer.alloc(8 * 1024 * 1024, 'Generating with OpenRouter...\n'),
    served.get('/message-401.txt') ?? Buffer.alloc(0),
  ]),
);
const server = http.createServer((req, res) => {
  const body = served.get(req.url ?? '');
  if (body) res.end(body);
  else res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const load = httpLoader(`${base}/api`);

global.gc?.();
const before = process.memoryUsage();
const [ocr, startupMs] = await timed(() => createOcrPool({ workers: 2 }));
const loaded = process.memoryUsage();
const reader = createAttachmentReader({ load, ocr });

const textTimes: number[] = [];
const hugeTimes: number[] = [];
for (let round = 0; round < rounds * 4; round++) {
  for (const name of logs) {
    textTimes.push((await timed(() => reader.read([{ name, url: `${base}/${name}` }])))[1]);
  }
}
for (let round = 0; round < rounds; round++) {
  hugeTimes.push(
    (await timed(() => reader.read([{ name: 'message.txt', url: `${base}/huge-message.txt` }])))[1],
  );
}

const ocrTimes: number[] = [];
const skipped: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const name of images) {
    const bytes = readFileSync(path.join(FIXTURES, name));
    const [result, ms] = await timed(() => ocr.read(bytes));
    ocrTimes.push(ms);
    if ('skipped' in result) skipped.push(`${name}: ${result.skipped}`);
  }
}
const after = process.memoryUsage();
await ocr.terminate();
server.close();

const report = {
  ocr_workers: 2,
  ocr_startup_ms: Math.round(startupMs),
  ocr_images: ocrTimes.length,
  ocr_p50_ms: percentile(ocrTimes, 50),
  ocr_p99_ms: percentile(ocrTimes, 99),
  ocr_skipped: skipped,
  text_attachments: textTimes.length,
  text_p50_ms: percentile(textTimes, 50),
  text_p99_ms: percentile(textTimes, 99),
  text_8mb_p99_ms: percentile(hugeTimes, 99),
  rss_mb_before_ocr: mb(before.rss),
  rss_mb_ocr_loaded: mb(loaded.rss),
  rss_mb_after_reads: mb(after.rss),
};

if (json) console.log(JSON.stringify(report));
else {
  console.log(`attachments (${rounds} rounds; fixtures in eval/attachments/)\n`);
  console.log(`OCR: ${report.ocr_images} reads of ${images.length} screenshots, one at a time`);
  console.log(
    `  p50 ${report.ocr_p50_ms} ms, p99 ${report.ocr_p99_ms} ms per image; workers started in ${report.ocr_startup_ms} ms`,
  );
  if (skipped.length) console.log(`  skipped: ${skipped.join(', ')}`);
  console.log(
    `text attachments over HTTP (127.0.0.1): ${report.text_attachments} reads of ${logs.length} logs`,
  );
  console.log(
    `  p50 ${report.text_p50_ms} ms, p99 ${report.text_p99_ms} ms; an 8 MB log read from its end: p99 ${report.text_8mb_p99_ms} ms`,
  );
  console.log(
    `memory (RSS): ${report.rss_mb_before_ocr} MB before, ${report.rss_mb_ocr_loaded} MB with 2 OCR workers loaded, ${report.rss_mb_after_reads} MB after the reads`,
  );
}
