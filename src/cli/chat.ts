// npm run chat: the bot in the terminal. You type as a user in #sillytavern; it answers exactly
// as on Discord (same pipeline, store and knowledge). Piped stdin is read line by line;
// --json prints one object per input line.
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { loadKnowledgeState } from '../knowledge/state.ts';
import { createPipeline } from '../pipeline/pipeline.ts';
import type { DecisionKind, Outcome } from '../pipeline/types.ts';
import { openStore } from '../store/store.ts';
import { configOrExit } from './exit.ts';

const json = process.argv.includes('--json');
const interactive = process.stdin.isTTY && !json;

const config = configOrExit();
const { state, problems } = loadKnowledgeState(config.KNOWLEDGE_DIR);
if (!state) {
  console.error(
    `The knowledge folder ${config.KNOWLEDGE_DIR} has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  process.exit(1);
}
const store = openStore(config.DATABASE_PATH);

// Piped lines arrive all at once; they are timed as a person typing, half a minute apart,
// so that the per-user cooldown treats them as it would on Discord.
const PIPED_LINE_INTERVAL_MS = 30_000;
let clock = Date.now();
const now = () => (interactive ? Date.now() : clock);
const pipeline = createPipeline({ knowledge: () => state, store, config, now });

let counter = 0;
const consoleUserName = (() => {
  try {
    return userInfo().username;
  } catch {
    return 'you';
  }
})();
function handleLine(line: string): Promise<Outcome> {
  clock += PIPED_LINE_INTERVAL_MS;
  counter++;
  return pipeline.handle({
    id: `console-${Date.now()}-${counter}`,
    guildId: 'console',
    channelId: 'console-sillytavern',
    channelName: config.SUPPORT_CHANNELS[0] ?? 'sillytavern',
    author: { id: 'console-user', displayName: consoleUserName, isBot: false, roles: [] },
    content: line,
    attachments: [],
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
if (interactive) console.log();
