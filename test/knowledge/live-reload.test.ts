// Live reload: moderators edit knowledge/ while the bot runs. A good edit is in service within
// seconds, a broken one leaves the last good set answering and is reported, a deleted file leaves.
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveKnowledge, type LiveKnowledge, RELOAD_DEBOUNCE_MS } from '../../src/knowledge/live.ts';
import { loadKnowledgeState } from '../../src/knowledge/state.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import { openStore } from '../../src/store/store.ts';
import { createHarness, MOD_ID, MODERATOR } from '../support/interactions.ts';
import { TEST_CONFIG } from '../support/pipeline.ts';

const ENTRY = 'error-401-unauthorized';
let dir: string;
const opened: LiveKnowledge[] = [];
/** The knowledge folder loaded once for the file: each test's copy starts from the same files. */
let initial: ReturnType<LiveKnowledge['current']>;

beforeAll(() => {
  const loaded = loadKnowledgeState('knowledge');
  if (!loaded.state) throw new Error(loaded.problems.join('\n'));
  initial = loaded.state;
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kb-live-'));
  cpSync('knowledge', dir, { recursive: true });
});
afterEach(() => {
  for (const live of opened.splice(0)) live.close();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function open(logger = silentLogger(), debounceMs = RELOAD_DEBOUNCE_MS): LiveKnowledge {
  const { live, problems } = createLiveKnowledge({ dir, logger, initial, debounceMs });
  if (!live) throw new Error(problems.join('\n'));
  opened.push(live);
  return live;
}

const file = (id: string) => path.join(dir, `${id}.md`);

/** Rewrites the title of an entry, as a moderator would in an editor. */
function retitle(id: string, title: string): void {
  const source = readFileSync(file(id), 'utf8');
  writeFileSync(file(id), source.replace(/^title: .*$/m, `title: ${title}`));
}

/** Replaces the first line of an entry's answer. */
function rewriteAnswer(id: string, firstLine: string): void {
  const source = readFileSync(file(id), 'utf8');
  const [, frontmatter = '', body = ''] = /^(---\n[\s\S]*?\n---\n)([\s\S]*)$/.exec(source) ?? [];
  writeFileSync(file(id), `${frontmatter}${firstLine}\n\n${body}`);
}

function breakFile(id: string): void {
  writeFileSync(file(id), '---\ntitle: [unclosed\n---\nbody\n');
}

/** Waits until `check` holds; returns how long that took. */
async function eventually(check: () => boolean, timeout = 5000): Promise<number> {
  const started = Date.now();
  await vi.waitFor(() => expect(check()).toBe(true), { timeout, interval: 25 });
  return Date.now() - started;
}

/**
 * A second watcher on the same folder that reloads only after twice the debounce: once it has
 * reloaded, any reload the watcher under test was going to make has happened too. This turns
 * "nothing more happened" into waiting for an event.
 */
function slowerWatcher(): LiveKnowledge {
  const witness = open(silentLogger(), RELOAD_DEBOUNCE_MS * 2);
  witness.watch();
  return witness;
}

describe('reload', () => {
  it('serves a set handed in at start-up until the first reload', () => {
    const live = open();
    expect(live.current()).toBe(initial);
    retitle(ENTRY, 'Edited title');
    live.reload();
    expect(live.current()).not.toBe(initial);
    expect(live.current().kb.byId.get(ENTRY)?.title).toBe('Edited title');
  });

  it('puts a good edit in service', () => {
    const live = open();
    retitle(ENTRY, 'Edited title');
    const result = live.reload();
    expect(result.ok).toBe(true);
    expect(live.current().kb.byId.get(ENTRY)?.title).toBe('Edited title');
    expect(live.status().problems).toEqual([]);
  });

  it('answers with the edited text right after the reload, without a restart', async () => {
    const live = open();
    const pipeline = createPipeline({
      knowledge: live.current,
      store: openStore(':memory:'),
      config: TEST_CONFIG,
    });
    rewriteAnswer(ENTRY, 'FRESHLY EDITED ANSWER.');
    live.reload();
    const outcome = await pipeline.handle({
      id: 'm1',
      guildId: 'g1',
      channelId: 'c1',
      channelName: 'sillytavern',
      author: { id: 'u1', displayName: 'Asker', isBot: false, roles: [] },
      content: 'I get error 401 unauthorized from openrouter, what do I do?',
      attachments: [],
      createdAt: Date.now(),
    });
    expect(outcome.intent).toBe(ENTRY);
    expect(outcome.reply).toContain('FRESHLY EDITED ANSWER.');
  });

  it('keeps the last good set in service when an edit breaks a file, and reports the file', () => {
    const live = open();
    const before = live.current();
    breakFile(ENTRY);
    const result = live.reload();
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toContain(`${ENTRY}.md`);
    expect(live.current()).toBe(before);
    expect(live.current().kb.byId.has(ENTRY)).toBe(true);
    expect(live.status().problems.join('\n')).toContain(`${ENTRY}.md`);
  });

  it('clears the reported problems once the file is fixed', () => {
    const live = open();
    const good = readFileSync(file(ENTRY), 'utf8');
    breakFile(ENTRY);
    live.reload();
    writeFileSync(file(ENTRY), good);
    expect(live.reload().ok).toBe(true);
    expect(live.status().problems).toEqual([]);
  });

  it('takes a deleted file out of service', () => {
    const live = open();
    const count = live.current().kb.entries.length;
    unlinkSync(file(ENTRY));
    expect(live.reload().ok).toBe(true);
    expect(live.current().kb.byId.has(ENTRY)).toBe(false);
    expect(live.current().kb.entries).toHaveLength(count - 1);
  });

  it('logs a successful reload at info and a failed one at warn with the problems', () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream,
    });
    const live = open(logger);
    live.reload();
    breakFile(ENTRY);
    live.reload();
    const logged = lines.map(
      (line) => JSON.parse(line) as { level: number; msg: string; problems?: string[] },
    );
    expect(logged[0]).toMatchObject({ level: 30, msg: 'knowledge reloaded' });
    expect(logged[1]).toMatchObject({
      level: 40,
      msg: 'knowledge reload failed; the last good set stays in service',
    });
    expect(logged[1]?.problems?.join('\n')).toContain(`${ENTRY}.md`);
  });

  it('refuses to start from a broken folder, listing its problems', () => {
    breakFile(ENTRY);
    const { live, problems } = createLiveKnowledge({ dir, logger: silentLogger() });
    expect(live).toBeUndefined();
    expect(problems.join('\n')).toContain(`${ENTRY}.md`);
  });
});

describe('the watcher', () => {
  it('picks up an edit within a few seconds', async () => {
    const live = open();
    live.watch();
    retitle(ENTRY, 'Edited while running');
    const took = await eventually(() => live.current().kb.byId.get(ENTRY)?.title === 'Edited while running');
    expect(took).toBeLessThan(3000);
  });

  it('picks up a deleted file', async () => {
    const live = open();
    live.watch();
    unlinkSync(file(ENTRY));
    await eventually(() => !live.current().kb.byId.has(ENTRY));
  });

  it('picks up a new file and an editor-style save (write a temp file, rename it over)', async () => {
    const live = open();
    live.watch();
    writeFileSync(file('brand-new-entry'), readFileSync(file(ENTRY), 'utf8'));
    await eventually(() => live.current().kb.byId.has('brand-new-entry'));
    const temp = path.join(dir, '.error-401-unauthorized.md.swp');
    writeFileSync(temp, readFileSync(file(ENTRY), 'utf8').replace(/^title: .*$/m, 'title: Saved atomically'));
    renameSync(temp, file(ENTRY));
    await eventually(() => live.current().kb.byId.get(ENTRY)?.title === 'Saved atomically');
  });

  it('keeps the last good set after a broken save and reports it', async () => {
    const live = open();
    live.watch();
    breakFile(ENTRY);
    await eventually(() => live.status().problems.length > 0);
    expect(live.current().kb.byId.has(ENTRY)).toBe(true);
  });

  it('reloads once for a burst of saves', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream,
    });
    const live = open(logger);
    live.watch();
    const witness = slowerWatcher();
    for (let i = 0; i < 5; i++) retitle(ENTRY, `Burst ${i}`);
    await eventually(() => witness.current().kb.byId.get(ENTRY)?.title === 'Burst 4');
    expect(live.current().kb.byId.get(ENTRY)?.title).toBe('Burst 4');
    expect(lines.filter((line) => line.includes('"knowledge reloaded"'))).toHaveLength(1);
  });

  it('stops reloading once closed', async () => {
    const live = open();
    live.watch();
    live.close();
    const witness = slowerWatcher();
    retitle(ENTRY, 'After close');
    await eventually(() => witness.current().kb.byId.get(ENTRY)?.title === 'After close');
    expect(live.current().kb.byId.get(ENTRY)?.title).not.toBe('After close');
  });
});

describe('/kb status after a broken edit', () => {
  it('shows the entries still in service and the file that failed validation', async () => {
    const h = await createHarness({ knowledgeDir: dir });
    try {
      const count = h.knowledge.current().kb.entries.length;
      breakFile(ENTRY);
      const reload = await h.slash('kb', { sub: 'reload', user: MOD_ID, permissions: MODERATOR });
      expect(reload.content).toContain(`Reload failed: the previous ${count} entries stay in service`);
      expect(reload.content).toContain(`${ENTRY}.md`);
      const status = await h.slash('kb', { sub: 'status', user: MOD_ID, permissions: MODERATOR });
      expect(status.content).toContain(`Entries in service: ${count}`);
      expect(status.content).toContain('FAILED');
      expect(status.content).toMatch(new RegExp(`^- ${ENTRY}\\.md: line \\d+: YAML: `, 'm'));
    } finally {
      await h.close();
    }
  });
});
