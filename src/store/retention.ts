// Unanswered help requests keep what users wrote, so they are kept only for a while: pruned at
// start-up and once a day after that.
import type { Logger } from '../logger.ts';
import type { Store } from './store.ts';

export const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Prunes now and then every `intervalMs`; the timer never keeps the process alive. Returns stop(). */
export function startRetention({
  store,
  retentionDays,
  logger,
  intervalMs = PRUNE_INTERVAL_MS,
}: {
  store: Pick<Store, 'pruneUnanswered'>;
  retentionDays: number;
  logger: Logger;
  intervalMs?: number;
}): { pruned: number; stop: () => void } {
  const prune = () => {
    try {
      const pruned = store.pruneUnanswered(retentionDays);
      logger.info({ pruned, retentionDays }, 'pruned unanswered help requests');
      return pruned;
    } catch (error) {
      logger.error({ err: error }, 'could not prune unanswered help requests');
      return 0;
    }
  };
  const pruned = prune();
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  return { pruned, stop: () => clearInterval(timer) };
}
