// What users wrote and who they are is kept only for a while: unanswered help requests (their text)
// for UNANSWERED_RETENTION_DAYS, answers and votes (user ids) for ANSWER_RETENTION_DAYS. Pruned at
// start-up and once a day after that. Mutes are kept: a user who asked for silence keeps it.
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from './store.ts';

export const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;

export type RetentionSettings = Pick<Config, 'UNANSWERED_RETENTION_DAYS' | 'ANSWER_RETENTION_DAYS'>;

export interface Pruned {
  unanswered: number;
  answers: number;
  votes: number;
}

/** Prunes now and then every `intervalMs`; the timer never keeps the process alive. Returns stop(). */
export function startRetention({
  store,
  config,
  logger,
  intervalMs = PRUNE_INTERVAL_MS,
}: {
  store: Pick<Store, 'pruneUnanswered' | 'pruneAnswers'>;
  config: RetentionSettings;
  logger: Logger;
  intervalMs?: number;
}): { pruned: Pruned; stop: () => void } {
  const prune = (): Pruned => {
    // Two steps, so that a failure of one still lets the other run and is logged as itself.
    const pruned: Pruned = { unanswered: 0, answers: 0, votes: 0 };
    try {
      pruned.unanswered = store.pruneUnanswered(config.UNANSWERED_RETENTION_DAYS);
    } catch (error) {
      logger.error({ err: error }, 'could not prune unanswered help requests');
    }
    try {
      Object.assign(pruned, store.pruneAnswers(config.ANSWER_RETENTION_DAYS));
    } catch (error) {
      logger.error({ err: error }, 'could not prune answers and votes');
    }
    logger.info(
      {
        pruned,
        unansweredRetentionDays: config.UNANSWERED_RETENTION_DAYS,
        answerRetentionDays: config.ANSWER_RETENTION_DAYS,
      },
      'pruned old records',
    );
    return pruned;
  };
  const pruned = prune();
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  return { pruned, stop: () => clearInterval(timer) };
}
