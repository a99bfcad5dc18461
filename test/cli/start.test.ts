// `npm start` fails loudly before connecting anywhere: every problem listed, no secret printed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.fake-token-for-tests-only-xxxxxxxxxxxxxx';

function start(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'start-'));
  const run = spawnSync('node_modules/.bin/tsx', ['src/cli/start.ts'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      DOTENV_CONFIG_PATH: path.join(dir, 'none.env'),
      DATABASE_PATH: path.join(dir, 'bot.sqlite'),
      // Nothing listens here: if start-up got as far as connecting, the test would see it.
      DISCORD_API_URL: 'http://127.0.0.1:9/api',
      ...env,
    },
  });
  return { ...run, output: run.stdout + run.stderr, dir };
}

describe('npm start', () => {
  it('says what to set, and how to try npm run chat, when DISCORD_TOKEN is missing', () => {
    const run = start({});
    expect(run.status).toBe(1);
    expect(run.output).toContain('DISCORD_TOKEN is not set');
    expect(run.output).toContain('npm run chat');
  });

  it('lists every bad setting at once and never prints the token', () => {
    const run = start({
      DISCORD_TOKEN: TOKEN,
      FOLLOWUP_WINDOW_MINUTES: 'ten',
      LOG_LEVEL: 'loud',
      DISCORD_API_URL: TOKEN,
    });
    expect(run.status).toBe(1);
    expect(run.output).toContain('FOLLOWUP_WINDOW_MINUTES');
    expect(run.output).toContain('LOG_LEVEL');
    expect(run.output).toContain('DISCORD_API_URL');
    expect(run.output).not.toContain(TOKEN);
    expect(run.output).not.toContain('fake-token');
  });

  it('refuses to start with a broken knowledge folder and lists each broken file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-'));
    cpSync('knowledge', dir, { recursive: true });
    writeFileSync(path.join(dir, 'error-401-unauthorized.md'), '---\ntitle: [unclosed\n---\nbody\n');
    writeFileSync(path.join(dir, 'broken-entry.md'), '---\ntitle: x\nexmaples: []\n---\nbody\n');
    const run = start({ DISCORD_TOKEN: TOKEN, KNOWLEDGE_DIR: dir });
    expect(run.status).toBe(1);
    expect(run.output).toContain('error-401-unauthorized.md');
    expect(run.output).toContain('broken-entry.md');
    expect(run.output).toContain('exmaples');
  });
});
