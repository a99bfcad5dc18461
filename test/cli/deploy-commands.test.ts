// `npm run deploy-commands`: registers every command's JSON with Discord, in one server when
// DISCORD_GUILD_ID is set, else globally, at DISCORD_API_URL. A small local server plays Discord.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/discord/commands.ts';
import { deployCommands } from '../../src/discord/deploy.ts';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.fake-token-for-tests-only-xxxxxxxxxxxxxx';
const APP_ID = '500000000000000001';
const GUILD = '100000000000000001';

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body?: { name: string; default_member_permissions?: string | null }[];
}

let server: Server;
let seen: Seen[];
let api: string;

beforeEach(async () => {
  seen = [];
  server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        auth: request.headers.authorization,
        body,
      });
      response.setHeader('Content-Type', 'application/json');
      if (request.method === 'GET' && request.url === '/api/v10/applications/@me') {
        response.end(JSON.stringify({ id: APP_ID, name: 'support bot' }));
      } else if (request.method === 'PUT' && request.url?.startsWith(`/api/v10/applications/${APP_ID}/`)) {
        response.end(JSON.stringify(body.map((c: object, i: number) => ({ ...c, id: String(i + 1) }))));
      } else {
        response.statusCode = 404;
        response.end(JSON.stringify({ message: 'Unknown', code: 0 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const puts = () => seen.filter((r) => r.method === 'PUT');

describe('deploying the slash commands', () => {
  it('registers every command in one server when a guild id is given', async () => {
    const commands = await loadCommands();
    const result = await deployCommands({ token: TOKEN, commands, guildId: GUILD, apiUrl: api });
    expect(result).toEqual({
      applicationId: APP_ID,
      scope: 'guild',
      names: ['Answer with…', 'bot', 'kb', 'mute', "Shouldn't answer", 'stats', 'unmute', 'Wrong entry'],
    });
    expect(puts().map((r) => r.url)).toEqual([`/api/v10/applications/${APP_ID}/guilds/${GUILD}/commands`]);
    expect(puts()[0]?.auth).toBe(`Bot ${TOKEN}`);
  });

  it('registers them globally without a guild id', async () => {
    const result = await deployCommands({ token: TOKEN, commands: await loadCommands(), apiUrl: api });
    expect(result.scope).toBe('global');
    expect(puts().map((r) => r.url)).toEqual([`/api/v10/applications/${APP_ID}/commands`]);
  });

  it('sends each command with its default member permissions', async () => {
    await deployCommands({ token: TOKEN, commands: await loadCommands(), apiUrl: api });
    const body = puts()[0]?.body ?? [];
    const permissions = Object.fromEntries(body.map((c) => [c.name, c.default_member_permissions ?? null]));
    expect(permissions).toEqual({
      'Answer with…': '8192',
      "Shouldn't answer": '8192',
      'Wrong entry': '8192',
      bot: '8192',
      kb: '8192',
      stats: '8192',
      mute: null,
      unmute: null,
    });
  });

  it('runs as npm run deploy-commands with DISCORD_GUILD_ID and DISCORD_API_URL from the environment', async () => {
    // Async spawn: the fake Discord in this process must keep answering while the CLI runs.
    const child = spawn('node_modules/.bin/tsx', ['src/cli/deploy-commands.ts'], {
      env: {
        PATH: process.env.PATH,
        DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env'),
        DISCORD_TOKEN: TOKEN,
        DISCORD_GUILD_ID: GUILD,
        DISCORD_API_URL: api,
      },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(out).toContain(
      `Registered 8 commands in server ${GUILD}: /bot, /kb, /mute, /stats, /unmute; ` +
        "on messages (Apps menu): Answer with…, Shouldn't answer, Wrong entry",
    );
    expect(code).toBe(0);
    expect(puts().map((r) => r.url)).toEqual([`/api/v10/applications/${APP_ID}/guilds/${GUILD}/commands`]);
    expect(out).not.toContain(TOKEN);
  });

  it('says what to set when DISCORD_TOKEN is missing', () => {
    const run = spawnSync('node_modules/.bin/tsx', ['src/cli/deploy-commands.ts'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env') },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('DISCORD_TOKEN is not set');
  });
});
