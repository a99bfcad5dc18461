// Unanswered help requests hold what users wrote: they are deleted after the retention period,
// at start-up and once a day while the bot runs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { PRUNE_INTERVAL_MS, startRetention } from '../../src/store/retention.ts';
import { openStore } from '../../src/store/store.ts';

const DAY = 86_400_000;

function storeWithClock() {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = openStore(':memory:', () => clock.now);
  const ask = (text: string) =>
    store.recordUnanswered({
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      messageId: `m-${text}`,
      text,
      reason: 'silent: low confidence',
    });
  const texts = () => store.stats('g1', 3650).unanswered.map((row) => row.text);
  return { clock, store, ask, texts };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('unanswered retention', () => {
  it('keeps unanswered questions 30 days unless configured otherwise', () => {
    const parsed = parseConfig({});
    expect(parsed.ok && parsed.config.UNANSWERED_RETENTION_DAYS).toBe(30);
  });

  it('deletes rows older than the retention period at start-up and keeps newer ones', () => {
    const { clock, store, ask, texts } = storeWithClock();
    ask('old question');
    clock.now += 31 * DAY;
    ask('recent question');
    const retention = startRetention({ store, retentionDays: 30, logger: silentLogger() });
    retention.stop();
    expect(retention.pruned).toBe(1);
    expect(texts()).toEqual(['recent question']);
  });

  it('deletes them once a day while the bot runs', () => {
    vi.useFakeTimers();
    const { clock, store, ask, texts } = storeWithClock();
    ask('asked on day one');
    const retention = startRetention({ store, retentionDays: 30, logger: silentLogger() });
    expect(texts()).toEqual(['asked on day one']);
    clock.now += 30 * DAY + 1;
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS);
    expect(texts()).toEqual([]);
    retention.stop();
  });

  it('never keeps the process alive for it', () => {
    const interval = vi.spyOn(globalThis, 'setInterval');
    const { store } = storeWithClock();
    const retention = startRetention({ store, retentionDays: 30, logger: silentLogger() });
    const timer = interval.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    retention.stop();
  });

  it('logs a failure to prune and keeps going', () => {
    const failing = {
      pruneUnanswered: () => {
        throw new Error('database is locked');
      },
    };
    const retention = startRetention({ store: failing, retentionDays: 30, logger: silentLogger() });
    expect(retention.pruned).toBe(0);
    retention.stop();
  });
});
