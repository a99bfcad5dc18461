// npm start: the bot on Discord. Start-up fails loudly, listing every problem at once.

import { secretsOf } from '../config.ts';
import { attachHandlers, createClient } from '../discord/client.ts';
import { loadCommands } from '../discord/commands.ts';
import { attachInteractions } from '../discord/interactions.ts';
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
  taughtTraining: () => store.taught.trainingTexts(),
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

const retention = startRetention({ store, retentionDays: config.UNANSWERED_RETENTION_DAYS, logger });
const judge = judgeFromConfig(config, logger)?.judge;
const pipeline = createPipeline({ knowledge: knowledge.current, store, config, judge });
const client = createClient(config);
attachHandlers(client, { config, logger, store, pipeline });
attachInteractions(client, { commands, context: { store, knowledge, config, logger } });
logger.info(
  {
    entries: knowledge.current().kb.entries.length,
    commands: [...commands.keys()],
    supportChannels: config.SUPPORT_CHANNELS,
    prunedUnanswered: retention.pruned,
  },
  'starting',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  knowledge.close();
  retention.stop();
  try {
    await client.destroy();
  } finally {
    store.close();
    process.exit(0);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A stray rejection (a failed send after a timeout, say) must not take the bot down.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

client.login(config.DISCORD_TOKEN).catch((error: Error) => {
  logger.fatal({ err: { name: error.name, message: error.message } }, 'could not log in to Discord');
  store.close();
  process.exit(1);
});
