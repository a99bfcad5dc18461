// `npm run chat` keeps its own database: console chats, answers and mutes never reach the bot's
// DATABASE_PATH, so they never show up in /stats or `npm run report`, and a console !mute does not
// silence later runs unless --db asks to keep the database.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const QUESTION = 'I get error 401 with openrouter';

function chat(lines: string[], args: string[], botDatabase: string) {
  const run = spawnSync('node_modules/.bin/tsx', ['src/cli/chat.ts', '--json', ...args], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env'),
      DATABASE_PATH: botDatabase,
    },
  });
  const replies = run.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; intent: string | null });
  return { status: run.status, replies, err: run.stderr };
}

const freshDir = () => mkdtempSync(path.join(tmpdir(), 'chat-db-'));

describe('npm run chat', () => {
  it('uses an in-memory database by default, says so on stderr, forgets it on exit and never creates the bot database', () => {
    const dir = freshDir();
    const botDatabase = path.join(dir, 'bot.sqlite');
    const run = chat([QUESTION, '!mute'], [], botDatabase);
    expect(run.status).toBe(0);
    expect(run.err).toContain('in-memory database');
    expect(run.replies.map((reply) => reply.kind)).toEqual(['answer', 'command']);
    expect(existsSync(botDatabase)).toBe(false);
    // The !mute was forgotten on exit.
    expect(chat([QUESTION], [], botDatabase).replies).toEqual([expect.objectContaining({ kind: 'answer' })]);
  });

  it('keeps its database in the file given with --db, so a !mute lasts into the next run', () => {
    const dir = freshDir();
    const consoleDatabase = path.join(dir, 'console.sqlite');
    const first = chat(['!mute'], ['--db', consoleDatabase], path.join(dir, 'bot.sqlite'));
    expect(first.err).toContain(`database ${consoleDatabase}`);
    const second = chat([QUESTION], ['--db', consoleDatabase], path.join(dir, 'bot.sqlite'));
    expect(second.replies).toEqual([expect.objectContaining({ kind: 'none', intent: null })]);
    expect(existsSync(path.join(dir, 'bot.sqlite'))).toBe(false);
  });

  it("refuses to write into the bot's own database", () => {
    const botDatabase = path.join(freshDir(), 'bot.sqlite');
    const run = chat([QUESTION], ['--db', botDatabase], botDatabase);
    expect(run.status).toBe(1);
    expect(run.err).toContain("the bot's own database");
    expect(existsSync(botDatabase)).toBe(false);
  });
});
