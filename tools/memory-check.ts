// npm run memory-check: does the bot's memory stay flat under a long stream of messages?
//
// Starts the fake Discord server (tools/wire) on 127.0.0.1 and the real bot as a child process
// against it, then posts 50,000 messages from many users (mostly chatter, some questions and
// follow-ups, in #sillytavern, help threads opened along the way and #general) in batches, waiting
// after each batch until the bot has handled its last message. The bot's RSS (VmRSS of its node process) is sampled after
// the first 5,000 messages and at the end; the check fails (exit 1) when it grew by more than 30 MB.
// Both samples are taken right after a full GC in the bot (a preloaded hook, memory-check-gc.mjs,
// runs one on SIGUSR2), so they compare retained memory, not the phase of V8's collection cycle;
// the raw RSS before each GC and every 5,000 messages is printed too. The anonymous part of RSS
// (RssAnon) must stay within the limit as well: on this machine the kernel pages out file-backed
// pages of idle processes (DAMON), which can make VmRSS shrink without the bot freeing anything.
// Nothing leaves 127.0.0.1, and every wait has a time limit.
// `npm run memory-check -- --messages 10000` runs a shorter stream (more than 5,000, to compare).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../src/classifier/linear-model.ts';
import { loadKnowledgeState } from '../src/knowledge/state.ts';
import { type BotProcess, REPO_ROOT, startBot, stopAllBots } from './wire/bot-process.ts';
import { type FakeDiscord, snowflake, startFakeDiscord } from './wire/fake-discord.ts';

const BASELINE_AT = 5_000;
const messagesArg = process.argv.indexOf('--messages');
const TOTAL = messagesArg > 0 ? Number(process.argv[messagesArg + 1]) : 50_000;
if (!Number.isInteger(TOTAL) || TOTAL <= BASELINE_AT) {
  console.error(
    `usage: npm run memory-check [-- --messages N]   (N: more than ${BASELINE_AT}, default 50000)`,
  );
  process.exit(2);
}
const LIMIT_MB = 30;
const BATCH = 250;
const USERS = 1_000;
/** Threads that still get messages; older ones go quiet, as on a real help channel. */
const ACTIVE_THREADS = 40;
const BATCH_TIMEOUT_MS = 60_000;
const DEADLINE_MS = 10 * 60_000;

const CHATTER = [
  'lol',
  'good morning everyone',
  'anyone tried the new model yet?',
  'that preset is great, thanks for sharing',
  'brb',
  'same here',
  'nice',
  'I love how the character stays in role now',
  'what are you all using these days',
  'haha yes',
  'the new update looks clean',
  'gn',
  'thanks, that worked!',
  'my card got 200 downloads today',
  'is it just me or is the server quiet today',
  'ok',
  'true',
  'which theme is that?',
];
const FOLLOW_UPS = ['why does this happen?', 'how do I fix it?', 'still not working', 'thanks!'];

/** The bot's node process: tsx starts it as a child, so take the largest process in the tree. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // The process exited while we were looking.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** A field of /proc/<pid>/status in MB (VmRSS: resident; RssAnon: its anonymous part, the heaps). */
function statusMb(pid: number, field: 'VmRSS' | 'RssAnon'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

const rssMb = (pid: number) => statusMb(pid, 'VmRSS');

function botRss(bot: BotProcess): { pid: number; mb: number } {
  let best = { pid: bot.pid, mb: 0 };
  for (const pid of processTree(bot.pid)) {
    const mb = rssMb(pid);
    if (mb > best.mb) best = { pid, mb };
  }
  return best;
}

interface Sample {
  messages: number;
  /** VmRSS of the bot's node process as it is. */
  raw: number;
  /** VmRSS right after a forced full GC in the bot (null when the GC hook is not loaded). */
  collected: number | null;
  /** RssAnon at the same moment: the kernel may page out file-backed pages (the node binary) of an
   * idle process, which lowers VmRSS without the bot freeing anything; anonymous memory it cannot. */
  anon: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

/** RSS now, then (with the preloaded hook) RSS after the bot ran a full garbage collection. */
async function sampleRss(bot: BotProcess, gcReady: Set<number>, messages: number): Promise<Sample> {
  const { pid, mb: raw } = botRss(bot);
  if (!gcReady.has(pid)) return { messages, raw, collected: null, anon: statusMb(pid, 'RssAnon') };
  process.kill(pid, 'SIGUSR2');
  const done = `memory-check-gc: collected ${pid}`;
  for (let waited = 0; !bot.lines.some((l) => l.text === done); waited += 50) {
    if (waited > 10_000) throw new Error('the bot did not run the requested GC within 10 s');
    await sleep(50);
  }
  bot.lines.splice(0);
  await sleep(300);
  return { messages, raw, collected: rssMb(pid), anon: statusMb(pid, 'RssAnon') };
}

/** Waits until the bot has sent no new reply for a second (at most 60 s). */
async function drainReplies(discord: FakeDiscord): Promise<void> {
  let count = -1;
  for (let waited = 0; count !== discord.botMessages.length && waited < 60_000; waited += 1000) {
    count = discord.botMessages.length;
    await sleep(1000);
  }
}

/** Counts what the bot did with each message, then empties the log list (and its searches). */
function tally(bot: BotProcess, reasons: Map<string, number>): void {
  for (const line of bot.lines) {
    if (
      Number(line.json?.level) >= 50 ||
      (line.stream === 'stderr' && !line.text.startsWith('memory-check-gc'))
    ) {
      const key = `error logged: ${String(line.json?.msg ?? line.text).slice(0, 80)}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    if (line.json?.msg !== 'handled message') continue;
    const reason = String(line.json.reason).replace(/^(follow-up: [a-z]+).*/, '$1');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  bot.lines.splice(0);
}

/**
 * The fake server knows five users; a busy server has thousands, and per-user caches and maps are
 * exactly what could grow. FakeDiscord has no public way to add users yet, so this reaches into
 * its user and member tables (the shapes its own fixture uses).
 */
function addUsers(discord: FakeDiscord, count: number): string[] {
  const internals = discord as unknown as {
    users?: Map<string, Record<string, unknown>>;
    members?: Map<string, { roles: string[]; joined_at: string }>;
  };
  if (!(internals.users instanceof Map) || !(internals.members instanceof Map)) {
    console.error('memory-check: cannot add users to the fake server; posting as alice and bob only');
    return [discord.ids.users.alice, discord.ids.users.bob];
  }
  const joined = new Date(Date.UTC(2024, 0, 1)).toISOString();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = snowflake(Date.UTC(2024, 0, 2) + i * 1000);
    internals.users.set(id, {
      id,
      username: `member${i}`,
      global_name: `Member ${i}`,
      discriminator: '0',
      avatar: null,
      bot: false,
      public_flags: 0,
    });
    internals.members.set(id, { roles: [], joined_at: joined });
    ids.push(id);
  }
  return ids;
}

async function main(): Promise<number> {
  const started = Date.now();
  const { state, problems } = loadKnowledgeState(path.join(REPO_ROOT, 'knowledge'), {
    trainingFile: path.join(REPO_ROOT, 'eval', 'train.jsonl'),
  });
  if (!state) throw new Error(`knowledge/ does not validate:\n${problems.join('\n')}`);
  const questions = state.kb.entries.flatMap((e) => e.examples);
  const random = seededRandom(2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const discord = await startFakeDiscord();
  try {
    const users = addUsers(discord, USERS);
    // Debug logging gives one "handled message" line per message: how we know a batch is done.
    // The per-channel answer cap (6 a minute) would leave a few dozen answers in the whole run; a
    // high cap makes the reply path (REST, the bot's own messages, SQLite records) part of the load.
    const bot = await startBot(discord, {
      env: {
        LOG_LEVEL: 'debug',
        CHANNEL_MAX_ANSWERS_PER_MINUTE: '100000',
        NODE_OPTIONS: `--import ${pathToFileURL(path.join(REPO_ROOT, 'tools', 'memory-check-gc.mjs')).href}`,
      },
    });
    // Help threads come and go: each is opened by an asker with a question; the newest few stay busy.
    const threads: { id: string; owner: string }[] = [];
    let threadsOpened = 0;
    const openThread = (): string => {
      const owner = pick(users);
      const id = discord.createThread({ parent: 'sillytavern', name: `help ${threadsOpened++}`, owner }).id;
      threads.push({ id, owner });
      if (threads.length > ACTIVE_THREADS) threads.shift();
      return discord.postMessage({ channel: id, author: owner, content: pick(questions) }).id;
    };
    console.log(
      `memory-check: ${TOTAL} messages from ${users.length} users, batches of ${BATCH}; bot pid ${bot.pid}`,
    );

    // The preload announces itself from every node process it runs in (tsx's and the bot's).
    const gcReady = new Set(
      bot.lines.flatMap((l) => /^memory-check-gc: ready (\d+)/.exec(l.text)?.[1] ?? []).map(Number),
    );
    const reasons = new Map<string, number>();
    const samples: Sample[] = [];
    for (let sent = 0; sent < TOTAL; ) {
      if (Date.now() - started > DEADLINE_MS)
        throw new Error(`gave up after ${DEADLINE_MS / 60_000} minutes`);
      const size = Math.min(BATCH, TOTAL - sent);
      let lastId = '';
      for (let i = 0; i < size; i++) {
        const roll = random();
        const kind = random();
        const content =
          kind < 0.8
            ? `${pick(CHATTER)}${random() < 0.3 ? ` ${sent + i}` : ''}`
            : kind < 0.93
              ? pick(questions)
              : pick(FOLLOW_UPS);
        if (roll < 0.002 || threads.length === 0) {
          lastId = openThread();
        } else if (roll < 0.12) {
          lastId = discord.postMessage({ channel: 'general', author: pick(users), content }).id;
        } else if (roll < 0.45) {
          // In a help thread: the asker following up, or someone else chatting (humans take over).
          const thread = pick(threads);
          const byOwner = random() < 0.5;
          lastId = discord.postMessage({
            channel: thread.id,
            author: byOwner ? thread.owner : pick(users),
            content: byOwner ? pick([...FOLLOW_UPS, ...questions.slice(0, 5)]) : content,
          }).id;
        } else {
          lastId = discord.postMessage({ channel: 'sillytavern', author: pick(users), content }).id;
        }
      }
      sent += size;
      await bot.waitForLog((l) => l.msg === 'handled message' && l.messageId === lastId, BATCH_TIMEOUT_MS);
      tally(bot, reasons);
      if (sent % 5_000 === 0 || sent === TOTAL) {
        // A forced GC only where the check compares, so the run between them is left alone.
        const compare = sent === BASELINE_AT || sent === TOTAL;
        // Replies trail the decisions by seconds under this flood; compare with the queue drained.
        if (compare) await drainReplies(discord);
        const sample = await sampleRss(bot, compare ? gcReady : new Set(), sent);
        samples.push(sample);
        console.log(
          `  after ${String(sent).padStart(6)} messages: RSS ${sample.raw.toFixed(1)} MB` +
            (sample.collected === null ? '' : `, ${sample.collected.toFixed(1)} MB after a full GC`),
        );
      }
    }
    const first = samples.find((s) => s.messages === BASELINE_AT) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    // With the GC hook, compare retained memory; without it, the raw figures (noisier: they depend
    // on where V8's collection cycle happens to be: +20 to +60 MB were seen for the same traffic).
    const measure = (s: Sample) => s.collected ?? s.raw;
    const growth = measure(last) - measure(first);
    const rawGrowth = last.raw - first.raw;
    const anonGrowth = last.anon - first.anon;
    const answers = discord.botMessages.length;
    await bot.stop();
    console.log(
      `memory-check: RSS ${measure(first).toFixed(1)} MB after ${first.messages} messages, ${measure(last).toFixed(1)} MB after ${last.messages}` +
        `${first.collected === null ? ' (no GC hook: raw RSS)' : ' (after a full GC)'}: ${signed(growth)} MB, limit +${LIMIT_MB} MB` +
        `${first.collected === null ? '' : `; without the GC: ${signed(rawGrowth)} MB`}`,
    );
    console.log(
      `  anonymous memory (RssAnon) at the same points: ${first.anon.toFixed(1)} → ${last.anon.toFixed(1)} MB, ${signed(anonGrowth)} MB`,
    );
    console.log(
      `  ${answers} bot replies, ${threadsOpened} help threads opened, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(
      `  what the bot did: ${[...reasons]
        .sort((a, b) => b[1] - a[1])
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ')}`,
    );
    if (discord.errors.length) console.log(`fake server errors: ${discord.errors.slice(0, 3).join('; ')}`);
    // Either figure over the limit fails: RSS is what the issue names, RssAnon cannot be flattered
    // by the kernel reclaiming file pages.
    if (growth > LIMIT_MB || anonGrowth > LIMIT_MB) {
      console.log('memory-check: FAILED, memory grows with traffic');
      return 1;
    }
    console.log('memory-check: ok');
    return 0;
  } finally {
    await stopAllBots();
    await discord.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`memory-check: ${error.message}`);
    void stopAllBots().finally(() => process.exit(2));
  },
);
