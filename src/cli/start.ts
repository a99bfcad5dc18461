// npm start: the bot on Discord. Start-up fails loudly, listing every problem at once.

import { loadConfig, secretsOf } from '../config.ts';
import { attachHandlers, createClient } from '../discord/client.ts';
import { loadKnowledgeState } from '../knowledge/state.ts';
import { createLogger } from '../logger.ts';
import { createPipeline } from '../pipeline/pipeline.ts';
import { openStore } from '../store/store.ts';

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

const loaded = loadConfig();
if (!loaded.ok)
  fail(['The configuration has problems (see .env.example):', ...loaded.problems.map((p) => `  - ${p}`)]);
const config = loaded.config;
if (!config.DISCORD_TOKEN) {
  fail([
    'DISCORD_TOKEN is not set. Create a bot application (see README.md, "Set up the Discord application"),',
    'then put its token in a .env file next to package.json:  DISCORD_TOKEN=your-token',
    'To try the bot without Discord, run:  npm run chat',
  ]);
}
const logger = createLogger({ level: config.LOG_LEVEL, secrets: secretsOf(config) });
const knowledge = loadKnowledgeState(config.KNOWLEDGE_DIR);
if (!knowledge.state) {
  fail([
    `The knowledge folder ${config.KNOWLEDGE_DIR} has problems:`,
    ...knowledge.problems.map((p) => `  - ${p}`),
  ]);
}
let current = knowledge.state;

let store: ReturnType<typeof openStore>;
try {
  store = openStore(config.DATABASE_PATH);
} catch (error) {
  fail([`Cannot open the database ${config.DATABASE_PATH}: ${(error as Error).message}`]);
}
const pruned = store.pruneUnanswered(config.UNANSWERED_RETENTION_DAYS);
const pipeline = createPipeline({ knowledge: () => current, store, config });
const client = createClient(config);
attachHandlers(client, { config, logger, store, pipeline });
logger.info(
  { entries: current.kb.entries.length, supportChannels: config.SUPPORT_CHANNELS, prunedUnanswered: pruned },
  'starting',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
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

// Exported for the live-reload watcher.
export function replaceKnowledge(next: typeof current): void {
  current = next;
}
