import {
  buildClassifier,
  type Classifier,
  type ClassifierSettings,
  type LabeledText,
} from '../classifier/classifier.ts';
import type { KnowledgeBase } from './entry.ts';
import { loadKnowledge } from './load.ts';
import { readTrainingCorpus } from './training-corpus.ts';

/** The knowledge in service: the entries and the classifier trained on them. */
export interface KnowledgeState {
  kb: KnowledgeBase;
  classifier: Classifier;
}

export interface KnowledgeStateOptions {
  settings?: ClassifierSettings;
  /** The labeled corpus of real messages (eval/train.jsonl); absent means knowledge files only. */
  trainingFile?: string;
  /** Examples moderators taught from Discord. */
  taught?: LabeledText[];
}

/** Loads and validates a knowledge folder and trains its classifier; no state if anything is wrong. */
export function loadKnowledgeState(
  dir: string,
  options: KnowledgeStateOptions = {},
): { state?: KnowledgeState; problems: string[] } {
  const { kb, problems } = loadKnowledge(dir);
  if (!kb) return { problems };
  const corpus = options.trainingFile
    ? readTrainingCorpus(options.trainingFile)
    : { texts: [], problems: [] };
  // A broken corpus line is reported, not fatal: the rest still teaches the classifier.
  const classifier = buildClassifier(kb.entries, {
    settings: options.settings,
    training: corpus.texts,
    taught: options.taught,
  });
  return { state: { kb, classifier }, problems: [...problems, ...corpus.problems] };
}
