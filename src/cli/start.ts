// npm start: the bot on Discord. Start-up fails loudly, listing every problem at once.

import { httpLoader } from '../attachments/fetch.ts';
import { createOcrPool } from '../attachments/ocr.ts';
import { createAttachmentReader } from '../attachments/read.ts';
import { secretsOf } from '../config.ts';
import { attachHandlers, createClient } from '../discord/client.ts';
import { loadCommands } from '../discord/commands.ts';
import { attachInteractions } from '../discord/interactions.ts';
import { attachLifecycleLogging, loginFailureMessage } from '../discord/lifecycle.ts';
import { createLiveKnowledge } from '../knowledge/live.ts';
import { judgeFromConfig } from '../llm/judge.ts';
import { createLogger } from '../logger.ts';
import { createPipeline } from '../pipeline/pipeline.ts';
import { startRetention } from '../store/retention.ts';
import { openStore } from '../store/store.ts';
import { configOrExit, fail } from './exit.ts';

const config = configOrExit();
if (!config.DISCORD_TOKEN) {
  fail([
    'DISCORD_TOKEN is not set. Create a bot application (see README.md, "Set up the Discord application"),',
    'then put its token in a .env file next to package.json:  DISCORD_TOKEN=your-token',
    'To try the bot without Discord, run:  npm run chat',
  ]);
}
const logger = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
let store: ReturnType<typeof openStore>;
try {
  store = openStore(config.DATABASE_PATH);
} catch (error) {
  fail([`Cannot open the database ${config.DATABASE_PATH}: ${(error as Error).message}`]);
}
// The knowledge in service: reloaded when files in the folder change (a broken edit keeps the
// last good set and is reported in the log and /kb status).
const created = createLiveKnowledge({
  dir: config.KNOWLEDGE_DIR,
  trainingFile: config.TRAINING_CORPUS,
  // Examples moderators taught from Discord count from the next rebuild (src/discord/teaching.ts).
  taught: () => store.taught.trainingTexts(),
  logger,
});
if (!created.live) {
  store.close();
  fail([
    `The knowledge folder ${config.KNOWLEDGE_DIR} has problems:`,
    ...created.problems.map((p) => `  - ${p}`),
  ]);
}
const knowledge = created.live;
knowledge.watch();
let commands: Awaited<ReturnType<typeof loadCommands>>;
try {
  commands = await loadCommands();
} catch (error) {
  fail([(error as Error).message]);
}

const retention = startRetention({ store, config, logger });
const judge = judgeFromConfig(config, logger)?.judge;
const pipeline = createPipeline({ knowledge: knowledge.current, store, config, judge });
// Screenshots are read by OCR worker threads started now, so the first image waits for nothing.
let ocr: Awaited<ReturnType<typeof createOcrPool>> | undefined;
try {
  if (config.OCR_WORKERS > 0)
    ocr = await createOcrPool({ workers: config.OCR_WORKERS, limits: { timeoutMs: config.OCR_TIMEOUT_MS } });
} catch (error) {
  fail([`Cannot start the OCR workers for screenshots: ${(error as Error).message}`]);
}
const attachments = createAttachmentReader({ load: httpLoader(config.DISCORD_API_URL), ocr });
const client = createClient(config);
attachHandlers(client, { config, logger, store, pipeline, attachments });
attachLifecycleLogging(client, {
  logger,
  supportChannels: config.SUPPORT_CHANNELS,
  onFatal: (line) => void stopWithProblem(line),
});
attachInteractions(client, { commands, context: { store, knowledge, config, logger } });
logger.info(
  {
    entries: knowledge.current().kb.entries.length,
    commands: [...commands.keys()],
    supportChannels: config.SUPPORT_CHANNELS,
    pruned: retention.pruned,
  },
  'starting',
);

let stopping = false;
/** A connection no retry will fix: one plain line saying what to do, then exit 1. */
async function stopWithProblem(line: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error(line);
  knowledge.close();
  retention.stop();
  await client.destroy().catch(() => undefined);
  store.close();
  process.exit(1);
}
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  knowledge.close();
  retention.stop();
  try {
    await client.destroy();
    await ocr?.terminate();
  } finally {
    store.close();
    process.exit(0);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A stray rejection (a failed send after a timeout, say) must not take the bot down.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

client
  .login(config.DISCORD_TOKEN)
  .catch((error: unknown) => void stopWithProblem(loginFailureMessage(error)));
