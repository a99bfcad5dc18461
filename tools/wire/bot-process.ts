// Starts the real bot as a child process, the way a user runs `npm start`, against a FakeDiscord.
//
// The child gets a clean environment: every key the bot's config reads is set explicitly (empty
// means "not set" to the bot), because dotenv never overrides a variable that is already set, and
// DOTENV_CONFIG_PATH points at a file that does not exist, so a developer's real .env (a real
// token, an LLM key) can never leak into a test. Cleanup kills the whole process group: `tsx`
// runs the bot in a grandchild node process, which a plain kill of the child would orphan.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config.ts';
import type { FakeDiscord } from './fake-discord.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BotLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** The parsed pino line (`level`, `msg`, fields…), or null for plain text. */
  json: Record<string, unknown> | null;
  at: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartBotOptions {
  /** Added to / overriding the test environment, e.g. `{ STAFF_ROLES: 'staff' }`. */
  env?: Record<string, string>;
  /** Reuse a data directory (its database survives a restart); default: a fresh temp dir. */
  dataDir?: string;
  /** How long to wait for IDENTIFY + READY on the fake server. */
  readyTimeoutMs?: number;
  /** false: return as soon as the process runs, for a bot that is expected never to come online. */
  waitForReady?: boolean;
}

export interface BotProcess {
  pid: number;
  dataDir: string;
  databasePath: string;
  env: Record<string, string>;
  lines: BotLogLine[];
  /** Resolves when the process (and its stdio) has closed. */
  exited: Promise<ExitInfo>;
  /** Resolves with the first log line (already written or future) whose JSON matches. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<BotLogLine>;
  /** The last lines of output, for failure messages. */
  tail(count?: number): string;
  /** SIGTERM, as a service manager would; SIGKILL if it has not exited after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL to the whole process group: a crash, no shutdown code runs. */
  kill(): Promise<ExitInfo>;
  /** Starts the bot again with the same environment and data directory (the previous one must have exited). */
  restart(options?: { readyTimeoutMs?: number }): Promise<BotProcess>;
}

const running = new Set<BotProcess>();
const tempDirs = new Set<string>();

// Last line of defence: a test runner that exits abruptly must not leave bots behind.
process.once('exit', () => {
  for (const bot of running) killGroup(bot.pid, 'SIGKILL');
});

/** Starts `node --import tsx src/cli/start.ts` against `discord` and resolves once it completed IDENTIFY + READY. */
export async function startBot(discord: FakeDiscord, options: StartBotOptions = {}): Promise<BotProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'support-bot-wire-')));
  if (!options.dataDir) tempDirs.add(dataDir);
  const databasePath = path.join(dataDir, 'bot.sqlite');

  const env: Record<string, string> = {
    // Every key the bot reads, set to "not set": .env cannot fill them in.
    ...Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, ''])),
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.url,
    DATABASE_PATH: databasePath,
    KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
    // The knowledge files alone: these suites test Discord behaviour, and training on the corpus
    // too costs each start most of a second. A test of answer quality passes WITH_TRAINING_CORPUS.
    TRAINING_CORPUS: path.join(dataDir, 'no-training-corpus.jsonl'),
    SUPPORT_CHANNELS: 'sillytavern',
    LOG_LEVEL: 'info',
    DOTENV_CONFIG_PATH: path.join(dataDir, 'no-such.env'),
    NO_COLOR: '1',
    // Screenshot reading starts two OCR workers (seconds and ~250 MB): only the suites that post
    // images turn it on.
    OCR_WORKERS: '0',
    ...options.env,
  };
  return launch(discord, env, dataDir, databasePath, options.readyTimeoutMs ?? 15_000, options.waitForReady);
}

/** For `env`: the bot learns from eval/train.jsonl too, as in production. */
export const WITH_TRAINING_CORPUS = { TRAINING_CORPUS: path.join(REPO_ROOT, 'eval', 'train.jsonl') };

/** Kills every bot started by this module and removes their temp dirs: call it in afterEach. */
export async function stopAllBots(): Promise<void> {
  await Promise.all([...running].map((bot) => bot.kill()));
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

async function launch(
  discord: FakeDiscord,
  env: Record<string, string>,
  dataDir: string,
  databasePath: string,
  readyTimeoutMs: number,
  waitForReady = true,
): Promise<BotProcess> {
  const mark = discord.gatewayLog.length;
  // As `npm start` runs it: one node process with tsx as a loader, so signals reach the bot itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/start.ts'], {
    cwd: REPO_ROOT,
    // Only what a shell needs; nothing else from the test runner (NODE_OPTIONS, tokens…).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dataDir, ...env },
    detached: true, // its own process group, so cleanup reaches tsx's node child too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the bot');

  const lines: BotLogLine[] = [];
  const lineWaiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (text) => {
      lines.push({ stream, text, json: parseJson(text), at: Date.now() });
      for (const check of [...lineWaiters]) check();
    });
  }
  const exited = exitOf(child);

  const bot: BotProcess = {
    pid,
    dataDir,
    databasePath,
    env,
    lines,
    exited,
    tail: (count = 30) =>
      lines
        .slice(-count)
        .map((l) => `${l.stream}: ${l.text}`)
        .join('\n'),
    waitForLog(predicate, timeoutMs = 5000) {
      const find = () => lines.find((l) => l.json !== null && predicate(l.json));
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = find();
          if (!line) return;
          clearTimeout(timer);
          lineWaiters.delete(check);
          resolve(line);
        };
        const timer = setTimeout(() => {
          lineWaiters.delete(check);
          reject(new Error(`the bot logged no matching line within ${timeoutMs} ms:\n${bot.tail()}`));
        }, timeoutMs);
        lineWaiters.add(check);
      });
    },
    async stop(timeoutMs = 15_000) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), timeoutMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
    async kill() {
      killGroup(pid, 'SIGKILL');
      return exited;
    },
    async restart(options = {}) {
      await exited;
      return launch(discord, env, dataDir, databasePath, options.readyTimeoutMs ?? readyTimeoutMs);
    },
  };
  running.add(bot);
  void exited.then(() => {
    running.delete(bot);
    // tsx is gone; make sure nothing else of the group survives it.
    killGroup(pid, 'SIGKILL');
  });

  if (!waitForReady) return bot;
  // Ready = the fake server sent READY + GUILD_CREATE to a new session: more reliable than log text.
  const ready = discord.waitForGateway('ready', readyTimeoutMs, mark);
  ready.catch(() => {}); // the race below may settle first; never leave a rejection unhandled
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then((info) => info)]).catch(
    (error: Error) => error,
  );
  if (outcome === 'ready') return bot;
  await bot.kill();
  const why = outcome instanceof Error ? outcome.message : `it exited early (${JSON.stringify(outcome)})`;
  throw new Error(`the bot did not come online: ${why}\n${bot.tail()}`);
}

function exitOf(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    // 'close' waits for stdio to close too, i.e. for tsx's node child, which shares the pipes.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
