// The setup the wire suites share. Either a fresh fake Discord server per test (for tests that
// start, restart or kill bots themselves), or one server and one bot for a whole file (starting a
// bot costs seconds; tests that only talk to it each get their own members instead). Either way,
// after each test: no bot process left behind at the end, and no REST call the fake did not know
// (that would hide a bug).
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  type BotProcess,
  type StartBotOptions,
  startBot,
  stopAllBots,
} from '../../tools/wire/bot-process.ts';
import { type FakeDiscord, startFakeDiscord } from '../../tools/wire/fake-discord.ts';

/** Registers the hooks; `use` receives each test's server. */
export function useFakeDiscord(use: (discord: FakeDiscord) => void): void {
  let discord: FakeDiscord | undefined;
  beforeEach(async () => {
    discord = await startFakeDiscord();
    use(discord);
  });
  afterEach(async () => {
    await stopAllBots();
    await discord?.close();
    expect(discord?.unknownRoutes).toEqual([]);
    expect(discord?.errors).toEqual([]);
  });
}

export interface SharedBot {
  discord: FakeDiscord;
  bot: BotProcess;
  /** A member who has not talked to the bot yet: no cooldown or conversation carries over. */
  newMember: () => string;
}

/** A bot many tests talk to at once: debug logs, no per-user cooldown, no channel cap in reach. */
const SHARED_BOT_ENV = {
  LOG_LEVEL: 'debug',
  USER_COOLDOWN_SECONDS: '0',
  CHANNEL_MAX_ANSWERS_PER_MINUTE: '100',
};

/**
 * One fake server and one bot (started with `options`, over SHARED_BOT_ENV) for every test of the
 * file. Tests ask as `newMember()`s; each test is checked for unknown routes and server errors of its own.
 */
export function useSharedBot(options: StartBotOptions, use: (shared: SharedBot) => void): void {
  let shared: SharedBot | undefined;
  let routesBefore = 0;
  let errorsBefore = 0;
  beforeAll(async () => {
    const discord = await startFakeDiscord();
    const bot = await startBot(discord, { ...options, env: { ...SHARED_BOT_ENV, ...options.env } });
    let members = 0;
    shared = { discord, bot, newMember: () => discord.addMember(`member${++members}`) };
    use(shared);
  });
  beforeEach(() => {
    routesBefore = shared?.discord.unknownRoutes.length ?? 0;
    errorsBefore = shared?.discord.errors.length ?? 0;
  });
  afterEach(() => {
    expect(shared?.discord.unknownRoutes.slice(routesBefore)).toEqual([]);
    expect(shared?.discord.errors.slice(errorsBefore)).toEqual([]);
  });
  afterAll(async () => {
    await stopAllBots();
    await shared?.discord.close();
  });
}
