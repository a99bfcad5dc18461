// The one bounded map in the bot: a process that runs for weeks must not grow with every message,
// thread or question it has seen. Least recently set goes first; `get` does not refresh an entry,
// so a busy key cannot keep stale neighbours alive.

export interface BoundedCache<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  /** Sets and makes the key the newest; the oldest keys go when the capacity is exceeded. */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  readonly size: number;
}

export function createBoundedCache<K, V>(capacity: number): BoundedCache<K, V> {
  const entries = new Map<K, V>();
  return {
    get: (key) => entries.get(key),
    has: (key) => entries.has(key),
    set(key, value) {
      // Map keeps insertion order: re-inserting makes the key the newest.
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > capacity) entries.delete(entries.keys().next().value as K);
    },
    delete: (key) => entries.delete(key),
    get size() {
      return entries.size;
    },
  };
}
