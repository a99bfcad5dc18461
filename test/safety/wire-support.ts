// For the safety suites that start the real bot process (tools/wire/bot-process.ts) against the
// fake Discord server: a way to make the bot process hit a stray promise rejection, without any
// test-only code in src/. A small ES module preloaded through NODE_OPTIONS, in the bot's node
// process only (not tsx's launcher), rejects a promise nobody handles when it receives SIGUSR2.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TRIGGER = `
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
// tsx starts the bot as: node --require … --import … <abs path>/src/cli/start.ts
if (isMainThread && process.argv[1]?.endsWith('start.ts')) {
  process.on('SIGUSR2', () => {
    // Like a failed send after a timeout that nobody awaited. The reason quotes the secrets the
    // way a careless error message from a library might.
    const env = process.env;
    Promise.reject(new Error('stray rejection for the test: ' + env.DISCORD_TOKEN + ' / ' + env.LLM_API_KEY));
  });
  writeFileSync(process.env.SAFETY_TEST_PID_FILE, String(process.pid));
}
`;

export interface RejectionTrigger {
  /** Environment for startBot: preloads the trigger into the bot's node process. */
  env: Record<string, string>;
  /** Makes the running bot process reject a promise that nobody handles. */
  fire(timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function rejectionTrigger(): Promise<RejectionTrigger> {
  const dir = await mkdtemp(path.join(tmpdir(), 'support-bot-trigger-'));
  const module = path.join(dir, 'trigger.mjs');
  const pidFile = path.join(dir, 'bot.pid');
  await writeFile(module, TRIGGER);
  return {
    env: { NODE_OPTIONS: `--import ${pathToFileURL(module).href}`, SAFETY_TEST_PID_FILE: pidFile },
    async fire(timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!existsSync(pidFile)) {
        if (Date.now() > until) throw new Error('the bot process never loaded the rejection trigger');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // Used once: a restarted bot writes its own pid; a stale one must never be signalled.
      await unlink(pidFile);
      process.kill(pid, 'SIGUSR2');
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * How a bot stopped with SIGTERM may exit: 0 after its own shutdown, or 143 when tsx (the launcher
 * `npm start` uses) gave up waiting: tsx relays the signal and, if the bot's process does not
 * confirm it over tsx's IPC channel within about 60 ms (a busy machine), SIGKILLs it and exits
 * 128 + 15. The data must be safe either way, which is what these suites check.
 */
export const SIGTERM_EXITS = [
  { code: 0, signal: null },
  { code: 143, signal: null },
];

/** Generous waits: the wire suites must pass on a busy two-core machine. */
export const WIRE = { readyTimeoutMs: 45_000, replyTimeoutMs: 20_000, testTimeoutMs: 120_000 } as const;
