// The per-test setup every wire suite shares: a fresh fake Discord server, and afterwards no bot
// process left, and no REST call the fake did not know (that would hide a bug).
import { afterEach, beforeEach, expect } from 'vitest';
import { stopAllBots } from '../../tools/wire/bot-process.ts';
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
