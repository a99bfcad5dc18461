import { buildClassifier, type Classifier, type ClassifierSettings } from '../classifier/classifier.ts';
import type { KnowledgeBase } from './entry.ts';
import { loadKnowledge } from './load.ts';

/** The knowledge in service: the entries and the classifier learned from them, swapped together. */
export interface KnowledgeState {
  kb: KnowledgeBase;
  classifier: Classifier;
}

/** Loads and validates a knowledge folder and builds its classifier; no state if anything is wrong. */
export function loadKnowledgeState(
  dir: string,
  settings?: ClassifierSettings,
): { state?: KnowledgeState; problems: string[] } {
  const { kb, problems } = loadKnowledge(dir);
  if (!kb) return { problems };
  return { state: { kb, classifier: buildClassifier(kb.entries, settings) }, problems };
}
