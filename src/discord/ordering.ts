// One decision at a time per user: a user's messages are decided, sent and committed in the order
// they arrived, so two borderline messages cannot both be answered and a reply to the bot finds the
// answer it replies to already recorded.

export interface KeyedQueue {
  /** Runs `task` after every earlier task with the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with work pending (for tests and memory checks). */
  readonly pending: number;
  /** Settles once no key has work pending (tests wait on it instead of sleeping). */
  idle(): Promise<void>;
}

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // The map holds only keys with work pending: a user who went quiet costs nothing.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get pending() {
      return tails.size;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}
