// npm run chat -- [--json] [--db PATH] [--attach PATH]...: the bot in the terminal. You type as a
// user in #sillytavern; it answers exactly as on Discord (same pipeline and knowledge). Piped stdin is
// read line by line; --json prints one object per input line. The console keeps its own database, in
// memory unless --db names a file, so console chats, mutes and answers never reach the bot's
// DATABASE_PATH. --attach attaches files to the next line, read as on Discord: text files for their
// error lines, screenshots through OCR.
import { userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { localFileLoader } from '../attachments/fetch.ts';
import { createOcrPool } from '../attachments/ocr.ts';
import { type AttachmentRef, attachmentKind, createAttachmentReader } from '../attachments/read.ts';
import { loadKnowledgeState } from '../knowledge/state.ts';
import { createPipeline } from '../pipeline/pipeline.ts';
import type { DecisionKind, Outcome } from '../pipeline/types.ts';
import { openStore } from '../store/store.ts';
import { configOrExit, fail } from './exit.ts';

const USAGE =
  'usage: npm run chat -- [--json] [--db PATH] [--attach PATH]...   (default: an in-memory database; --attach: a file for the next line)';
let options: { json?: boolean; db?: string; attach?: string[] };
try {
  ({ values: options } = parseArgs({
    options: {
      json: { type: 'boolean' },
      db: { type: 'string' },
      attach: { type: 'string', multiple: true },
    },
  }));
} catch (error) {
  fail([(error as Error).message, USAGE]);
}
const json = options.json === true;
let pendingAttachments: AttachmentRef[] = (options.attach ?? []).map((file) => ({
  name: path.basename(file),
  url: pathToFileURL(path.resolve(file)).href,
}));
const interactive = process.stdin.isTTY && !json;

const config = configOrExit();
const consoleDatabase = options.db?.trim() || ':memory:';
if (consoleDatabase !== ':memory:' && path.resolve(consoleDatabase) === path.resolve(config.DATABASE_PATH)) {
  fail([
    `${consoleDatabase} is the bot's own database (DATABASE_PATH); give the console another file.`,
    USAGE,
  ]);
}
const { state, problems } = loadKnowledgeState(config.KNOWLEDGE_DIR, {
  trainingFile: config.TRAINING_CORPUS,
});
if (!state) {
  console.error(
    `The knowledge folder ${config.KNOWLEDGE_DIR} has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
const store = openStore(consoleDatabase);
// On stderr, so that --json output stays one object per line.
console.error(
  consoleDatabase === ':memory:'
    ? 'Console chat: in-memory database, forgotten on exit (--db PATH keeps one).'
    : `Console chat: database ${consoleDatabase}.`,
);

// Piped lines arrive all at once; they are timed as a person typing, half a minute apart,
// so that the per-user cooldown treats them as it would on Discord.
const PIPED_LINE_INTERVAL_MS = 30_000;
let clock = Date.now();
const now = () => (interactive ? Date.now() : clock);
const pipeline = createPipeline({ knowledge: () => state, store, config, now });
const needsOcr = pendingAttachments.some((ref) => attachmentKind(ref) === 'image');
const ocr = needsOcr ? await createOcrPool({ limits: { timeoutMs: config.OCR_TIMEOUT_MS } }) : undefined;
const attachmentReader = createAttachmentReader({ load: localFileLoader, ocr });

let counter = 0;
const consoleUserName = (() => {
  try {
    return userInfo().username;
  } catch {
    return 'you';
  }
})();
async function handleLine(line: string): Promise<Outcome> {
  clock += PIPED_LINE_INTERVAL_MS;
  counter++;
  const attachments = pendingAttachments;
  pendingAttachments = [];
  const { texts } = await attachmentReader.read(attachments);
  return pipeline.handle({
    id: `console-${Date.now()}-${counter}`,
    guildId: 'console',
    channelId: 'console-sillytavern',
    channelName: config.SUPPORT_CHANNELS[0] ?? 'sillytavern',
    author: { id: 'console-user', displayName: consoleUserName, isBot: false, roles: [] },
    content: line,
    attachments,
    attachmentText: texts,
    createdAt: now(),
  });
}

/** The `--json` kinds stay as documented: a hand-over is a follow-up, a key warning an answer. */
const JSON_KIND: Record<DecisionKind, string> = {
  answer: 'answer',
  followup: 'followup',
  handover: 'followup',
  warning: 'answer',
  command: 'command',
  silent: 'none',
};

function print(line: string, outcome: Outcome): void {
  if (json) {
    const answered = Boolean(outcome.reply);
    console.log(
      JSON.stringify({
        input: line,
        reply: outcome.reply ?? null,
        intent: answered ? (outcome.intent ?? null) : null,
        kind: JSON_KIND[outcome.kind],
        confidence: outcome.confidence ?? null,
      }),
    );
  } else if (outcome.reply) {
    console.log(`\n${outcome.reply}\n`);
  } else if (interactive) {
    console.log(`  (${outcome.reason}${outcome.rule ? `: ${outcome.rule}` : ''})`);
  }
}

if (interactive) {
  console.log(
    `You are a user in #${config.SUPPORT_CHANNELS[0] ?? 'sillytavern'} (${state.kb.entries.length} knowledge entries). Type a message; Ctrl+D to quit.`,
  );
}
const lines = createInterface({ input: process.stdin, terminal: interactive, prompt: 'you> ' });
if (interactive) lines.prompt();
// One line at a time, in order, as messages arrive in a channel.
for await (const line of lines) {
  if (line.trim()) print(line, await handleLine(line));
  if (interactive) lines.prompt();
}
store.close();
await ocr?.terminate();
if (interactive) console.log();
