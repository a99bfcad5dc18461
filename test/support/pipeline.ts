import type { Classifier } from '../../src/classifier/classifier.ts';
import { type KnowledgeState, loadKnowledgeState } from '../../src/knowledge/state.ts';
import { createPipeline, type GrayZoneJudge, type PipelineConfig } from '../../src/pipeline/pipeline.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';
import { openStore } from '../../src/store/store.ts';

export const TEST_CONFIG: PipelineConfig = {
  SUPPORT_CHANNELS: ['sillytavern'],
  STAFF_ROLES: ['staff'],
  FOLLOWUP_WINDOW_MINUTES: 10,
  USER_COOLDOWN_SECONDS: 20,
  CHANNEL_MAX_ANSWERS_PER_MINUTE: 6,
};

let loaded: KnowledgeState | undefined;

/** The training corpus the bot learns from next to the knowledge files, as in production. */
export const TRAINING_CORPUS = 'eval/train.jsonl';

/** The real knowledge folder and corpus, loaded once per test file (each file has its own module scope). */
export function realKnowledge(): KnowledgeState {
  if (loaded) return loaded;
  const { state, problems } = loadKnowledgeState('knowledge', { trainingFile: TRAINING_CORPUS });
  if (!state) throw new Error(problems.join('\n'));
  loaded = state;
  return state;
}

/** A thread in #sillytavern that the asker (the default author) opened. */
export function askersThread(id: string) {
  return {
    channelId: id,
    threadId: id,
    threadOwnerId: 'asker',
    parentChannelId: 'c-sillytavern',
    parentChannelName: 'sillytavern',
  };
}

export interface TestPipelineOptions {
  config?: Partial<PipelineConfig>;
  judge?: GrayZoneJudge;
  /** A real SQLite file instead of an in-memory database. */
  databaseFile?: string;
  /** Replaces the local classifier's decision (e.g. always undecided, for judge tests). */
  classify?: Classifier['classify'];
  /** Another knowledge state than the real folder and corpus (e.g. with taught examples). */
  knowledge?: KnowledgeState;
}

/** A pipeline over the real knowledge base with an in-memory store and a hand-driven clock. */
export function testPipeline(options: TestPipelineOptions = {}) {
  const real = options.knowledge ?? realKnowledge();
  const knowledge = options.classify
    ? { kb: real.kb, classifier: { ...real.classifier, classify: options.classify } }
    : real;
  const clock = { now: Date.UTC(2026, 10, 28, 12) };
  const store = openStore(options.databaseFile ?? ':memory:', () => clock.now);
  const pipeline = createPipeline({
    knowledge: () => knowledge,
    store,
    config: { ...TEST_CONFIG, ...options.config },
    now: () => clock.now,
    judge: options.judge,
  });
  let counter = 0;
  const message = (content: string, overrides: Partial<IncomingMessage> = {}): IncomingMessage => ({
    id: `m${++counter}`,
    guildId: 'g1',
    channelId: 'c-sillytavern',
    channelName: 'sillytavern',
    author: { id: 'asker', displayName: 'Asker', isBot: false, roles: [] },
    content,
    attachments: [],
    createdAt: clock.now,
    ...overrides,
  });
  /** A message from another user (display name = id). */
  const messageFrom = (userId: string, content: string, overrides: Partial<IncomingMessage> = {}) =>
    message(content, { author: { id: userId, displayName: userId, isBot: false, roles: [] }, ...overrides });
  /** Sends a message as the asker a minute after the previous one. */
  const say = (content: string, overrides: Partial<IncomingMessage> = {}) => {
    clock.now += 60_000;
    return pipeline.handle(message(content, overrides));
  };
  return { pipeline, store, clock, message, messageFrom, say, knowledge };
}
