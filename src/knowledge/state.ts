import { buildClassifier, type ClassifierSettings } from '../classifier/classifier.ts';
import type { KnowledgeState } from '../pipeline/pipeline.ts';
import { loadKnowledge } from './load.ts';

/** Loads and validates a knowledge folder and builds its classifier; no state if anything is wrong. */
export function loadKnowledgeState(
  dir: string,
  settings?: ClassifierSettings,
): { state?: KnowledgeState; problems: string[] } {
  const { kb, problems } = loadKnowledge(dir);
  if (!kb) return { problems };
  return { state: { kb, classifier: buildClassifier(kb.entries, settings) }, problems };
}
