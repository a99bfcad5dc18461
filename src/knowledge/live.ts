// The knowledge in service. A reload swaps in a new set only if the whole folder validates; a broken
// file leaves the last good set answering and is remembered for /kb status. A watcher reloads
// within seconds of an edit, so moderators never need a restart.
import { type FSWatcher, watch } from 'node:fs';
import type { LabeledText } from '../classifier/classifier.ts';
import type { Logger } from '../logger.ts';
import { type KnowledgeState, type KnowledgeStateOptions, loadKnowledgeState } from './state.ts';

/** Editors save in bursts (temp file, rename, chmod): one reload after the burst is enough. */
export const RELOAD_DEBOUNCE_MS = 300;

export interface ReloadResult {
  ok: boolean;
  /** Entries in service after the reload (the old set's count when it failed). */
  entries: number;
  problems: string[];
  at: Date;
}

export interface KnowledgeStatus {
  dir: string;
  /** Entries in service. */
  entries: number;
  /** When the set in service was loaded. */
  loadedAt: Date;
  /** The last reload attempt, successful or not (undefined before the first reload). */
  lastReload?: ReloadResult;
  /** Problems of the last attempt, if it failed: the set in service is older than the files. */
  problems: string[];
  watching: boolean;
}

export interface LiveKnowledge {
  current(): KnowledgeState;
  reload(trigger?: string): ReloadResult;
  /** Rebuilds soon, off the caller's path (bursts coalesce); the current set answers meanwhile. */
  reloadSoon(trigger: string): void;
  status(): KnowledgeStatus;
  /** Starts watching the folder; calling it again is a no-op. */
  watch(): void;
  /** Stops the watcher and any pending reload. */
  close(): void;
}

export interface LiveKnowledgeOptions extends Omit<KnowledgeStateOptions, 'taught'> {
  dir: string;
  logger: Logger;
  debounceMs?: number;
  /** A set already loaded from `dir`, served until the first reload (tests share one per file). */
  initial?: KnowledgeState;
  /** Read at every (re)build: examples moderators taught from Discord since the last one. */
  taught?: () => LabeledText[];
}

/** Loads the folder once; no live knowledge (and every problem) when the first load fails. */
export function createLiveKnowledge(
  options: LiveKnowledgeOptions,
): { live: LiveKnowledge; problems: [] } | { live?: undefined; problems: string[] } {
  const { dir, logger, debounceMs = RELOAD_DEBOUNCE_MS, initial } = options;
  const load = () => loadKnowledgeState(dir, { ...options, taught: options.taught?.() });
  const first = initial ? { state: initial, problems: [] } : load();
  if (!first.state) return { problems: first.problems };
  let current: KnowledgeState = first.state;
  let lastReload: ReloadResult | undefined;
  let watcher: FSWatcher | undefined;
  let pending: NodeJS.Timeout | undefined;

  function reload(trigger = 'manual'): ReloadResult {
    const at = new Date();
    const { state, problems } = load();
    if (state) {
      current = state;
      lastReload = { ok: true, entries: state.kb.entries.length, problems: [], at };
      logger.info({ dir, trigger, entries: lastReload.entries }, 'knowledge reloaded');
    } else {
      lastReload = { ok: false, entries: current.kb.entries.length, problems, at };
      logger.warn(
        { dir, trigger, problems, entriesInService: lastReload.entries },
        'knowledge reload failed; the last good set stays in service',
      );
    }
    return lastReload;
  }

  function onFolderEvent(file: string | null): void {
    // Only the files the loader reads matter; editor swap and backup files do not.
    if (file !== null && !file.endsWith('.md')) return;
    schedule(file ? `file changed: ${file}` : 'folder changed');
  }

  function schedule(trigger: string): void {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => {
      pending = undefined;
      try {
        reload(trigger);
      } catch (error) {
        logger.error({ err: error, dir }, 'knowledge reload crashed; the last good set stays in service');
      }
    }, debounceMs);
    pending.unref();
  }

  return {
    live: {
      current: () => current,
      reload,
      reloadSoon: schedule,
      status: () => ({
        dir,
        entries: current.kb.entries.length,
        loadedAt: current.kb.loadedAt,
        lastReload,
        problems: lastReload && !lastReload.ok ? lastReload.problems : [],
        watching: watcher !== undefined,
      }),
      watch() {
        if (watcher) return;
        try {
          // One watcher on the folder (not per file): it sees new files, deletions and the
          // rename-over that editors use for atomic saves, which a per-file watch would lose.
          watcher = watch(dir, { persistent: false }, (_event, file) => onFolderEvent(file));
          watcher.on('error', (error) => {
            logger.warn({ err: error, dir }, 'stopped watching the knowledge folder; use /kb reload');
            watcher?.close();
            watcher = undefined;
          });
          logger.info({ dir }, 'watching the knowledge folder');
        } catch (error) {
          logger.warn({ err: error, dir }, 'cannot watch the knowledge folder; use /kb reload');
        }
      },
      close() {
        if (pending) clearTimeout(pending);
        pending = undefined;
        watcher?.close();
        watcher = undefined;
      },
    },
    problems: [],
  };
}
