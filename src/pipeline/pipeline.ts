// From one incoming message to an outcome: guards, commands, follow-ups, classification, decision,
// rendering and recording. Pure TypeScript: the same code runs on Discord, in the console chat and
// in the evaluation.
import { attachmentQuote, leakedKeyKinds, textWithAttachments } from '../attachments/evidence.ts';
import type { Classification } from '../classifier/classifier.ts';
import type { Config } from '../config.ts';
import type { KnowledgeState } from '../knowledge/state.ts';
import { findLeakedKeys, redactKeys } from '../safety/leaked-keys.ts';
import type { Store } from '../store/store.ts';
import { handleTextCommand } from './commands.ts';
import { createMemory, detectFollowUp } from './follow-ups.ts';
import {
  conversationOf,
  createRateLimits,
  createSeenSet,
  isStaff,
  isSupportChannel,
  rateLimitKeys,
} from './guards.ts';
import { renderLeakedKeyWarning } from './leaked-key-warning.ts';
import { renderAnswer, renderFollowUp, renderHandover } from './render.ts';
import type { IncomingMessage, Outcome } from './types.ts';

export type { KnowledgeState };

export type PipelineConfig = Pick<
  Config,
  | 'SUPPORT_CHANNELS'
  | 'STAFF_ROLES'
  | 'FOLLOWUP_WINDOW_MINUTES'
  | 'USER_COOLDOWN_SECONDS'
  | 'CHANNEL_MAX_ANSWERS_PER_MINUTE'
>;

/** Candidates the local classifier could not decide between, for an optional second opinion. */
export interface GrayZoneQuestion {
  text: string;
  candidates: { intent: string; title: string; summary: string; score: number }[];
  attachments: IncomingMessage['attachments'];
}

/**
 * A second opinion (the LLM judge) for the gray zone: returns one of the candidate ids, or
 * undefined for "none of them". It must never throw; failure means silence.
 */
export type GrayZoneJudge = (question: GrayZoneQuestion) => Promise<string | undefined>;

export interface PipelineDeps {
  /** The knowledge in service now; a reload swaps what this returns. */
  knowledge: () => KnowledgeState;
  store: Store;
  config: PipelineConfig;
  now?: () => number;
  judge?: GrayZoneJudge;
}

/** After handing over to humans the bot keeps out of that conversation for this long. */
const HANDOVER_MS = 24 * 60 * 60 * 1000;
/** Threads remembered as taken over by humans. */
const MAX_REMEMBERED_THREADS = 10_000;
/** Unanswered help requests are kept for moderators, shortened. */
const UNANSWERED_TEXT_LIMIT = 500;

const silent = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({
  kind: 'none',
  reason,
  ...extra,
});

/** Quoted lines ("> ...") are someone else's words; the bot answers only what the asker wrote. */
export function withoutQuotes(content: string): string {
  return content
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n')
    .trim();
}

export function createPipeline({ knowledge, store, config, now = Date.now, judge }: PipelineDeps) {
  const windowMs = config.FOLLOWUP_WINDOW_MINUTES * 60_000;
  const memory = createMemory(windowMs, HANDOVER_MS);
  const seen = createSeenSet();
  const limits = createRateLimits(config);
  const humansTookOver = new Set<string>();
  let handled = 0;

  // Messages already warned about: Discord also sends an edit when it adds a link preview, and
  // that must not bring a second warning.
  const warned = createSeenSet(1_000);

  function leakedKeyWarning(message: IncomingMessage): Outcome | undefined {
    const leaked = leakedKeyKinds(findLeakedKeys(message.content), message.attachmentText);
    if (leaked.length === 0) return undefined;
    if (!warned.firstTime(message.id)) return silent('ignored: already warned about this key');
    const { reply, replyIfDeleted } = renderLeakedKeyWarning(leaked, knowledge().kb.footer);
    return {
      kind: 'answer',
      intent: 'leaked-api-key',
      reason: 'leaked API key',
      reply,
      leakedKey: { replyIfDeleted },
    };
  }

  /**
   * An edited message is only checked for a leaked key: answering edits would answer twice, but a
   * key pasted into an edit is just as public.
   */
  function handleEdit(message: IncomingMessage): Outcome {
    if (message.author.isBot || message.author.isWebhookOrSystem) {
      return silent('ignored: bot, webhook or system message');
    }
    return leakedKeyWarning(message) ?? silent('ignored: edited message');
  }

  async function handle(message: IncomingMessage): Promise<Outcome> {
    const at = now();
    if (++handled % 1000 === 0) memory.prune(at);
    if (message.author.isBot || message.author.isWebhookOrSystem)
      return silent('ignored: bot, webhook or system message');
    if (!seen.firstTime(message.id)) return silent('ignored: already handled this message');

    const leaked = leakedKeyWarning(message);
    if (leaked) return leaked;

    if (!isSupportChannel(message, config.SUPPORT_CHANNELS)) return silent('ignored: not a support channel');
    const conversationId = conversationOf(message);
    if (message.threadId && message.threadOwnerId && message.author.id !== message.threadOwnerId) {
      humansTookOver.add(message.threadId);
      // Bounded for a bot that runs for weeks: the oldest threads are long over.
      if (humansTookOver.size > MAX_REMEMBERED_THREADS)
        humansTookOver.delete(humansTookOver.values().next().value as string);
    }

    const command = handleTextCommand(message, store);
    if (command) return command;

    if (isStaff(message, config.STAFF_ROLES)) return silent('ignored: staff member');
    if (store.isMuted(message.guildId, message.author.id)) return silent('ignored: user muted the bot');
    if (store.isPaused(message.guildId, message.parentChannelId ?? message.channelId)) {
      return silent('ignored: channel paused');
    }
    if (message.threadId && humansTookOver.has(message.threadId))
      return silent('ignored: humans took over this thread');
    if (message.replyTo?.authorId && message.replyTo.authorId !== message.author.id) {
      return silent('ignored: reply to someone else');
    }

    const text = withoutQuotes(message.content);
    const { kb, classifier } = knowledge();
    const previous = memory.get(conversationId, message.author.id, at);
    if (previous?.handedOver) return silent('ignored: handed over to humans', { intent: previous.intent });
    // Every reply below counts against the channel cap; new answers also against the user cooldown.
    const rate = rateLimitKeys(message);

    // A screenshot or message.txt is read like a pasted log: its error lines join the message.
    const question = textWithAttachments(text, message.attachmentText);
    const classification = classifier.classify(question);
    const topScores = classification.candidates.slice(0, 3).map(({ intent, score }) => ({ intent, score }));
    let decidedBy = 'local classifier';
    const followUp = previous ? detectFollowUp(text) : undefined;
    // No LLM call for a follow-up, nor for a message the limits would silence anyway (a flood
    // cannot spend the budget).
    if (
      judge &&
      !followUp &&
      isGrayZone(classification, classifier.settings.grayZoneFloor) &&
      !limits.check(rate.user, rate.channel, at)
    ) {
      const candidates = classification.candidates.slice(0, 3).flatMap((c) => {
        const candidate = kb.byId.get(c.intent);
        return candidate
          ? [{ intent: c.intent, title: candidate.title, summary: candidate.summary, score: c.score }]
          : [];
      });
      // A judge that fails leaves the local decision (silence) in place.
      const picked = await judge({ text: question, candidates, attachments: message.attachments }).catch(
        () => undefined,
      );
      if (picked && candidates.some((c) => c.intent === picked)) {
        classification.intent = picked;
        classification.rule = 'answer';
        decidedBy = 'llm judge';
      }
    }
    const record = (
      kind: 'answer' | 'followup' | 'handover',
      intent: string,
      decidedBy: string,
      confidence?: number,
    ) =>
      store.recordAnswer({
        guildId: message.guildId,
        channelId: message.channelId,
        conversationId,
        userId: message.author.id,
        questionMessageId: message.id,
        intent,
        kind,
        confidence,
        decidedBy,
      });
    const vars = { asker: message.author.displayName };

    if (previous) {
      const entry = kb.byId.get(previous.intent);
      // "why?"/"how do I fix it?" refer back to the last answer unless the message also carries hard
      // evidence (an error string or status code) of a different problem. "still" is weaker: a
      // confident answer for another entry means a new question ("still new to ST, how do I …").
      const hardEvidence = (classification.candidates[0]?.evidence.length ?? 0) > 0;
      const newIntent =
        classification.intent !== previous.intent && (!followUp || followUp === 'still' || hardEvidence)
          ? classification.intent
          : undefined;
      if (entry && !newIntent && (followUp === 'why' || followUp === 'fix')) {
        const sent = previous.sectionsSent ?? [];
        if (sent.includes(followUp))
          return silent('silent: already sent this follow-up', { intent: entry.id });
        const limited = limits.take(rate, at, { cooldown: false });
        if (limited) return silent(limited, { intent: entry.id });
        memory.set(conversationId, message.author.id, {
          ...previous,
          answeredAt: at,
          sectionsSent: [...sent, followUp],
        });
        return {
          kind: 'followup',
          intent: entry.id,
          reason: `follow-up: ${followUp}`,
          reply: renderFollowUp(entry, followUp, kb.footer, { vars, question: text }),
          answerId: record('followup', entry.id, `follow-up: ${followUp}`),
        };
      }
      // "still not working", or another problem report that is not a new known question: a human
      // should take it from here, and the bot leaves the conversation.
      if (entry && !newIntent && (followUp === 'still' || classification.helpRequest.verdict === 'yes')) {
        const limited = limits.take(rate, at, { cooldown: false });
        if (limited) return silent(limited, { intent: entry.id });
        memory.set(conversationId, message.author.id, { ...previous, answeredAt: at, handedOver: true });
        return {
          kind: 'followup',
          intent: entry.id,
          reason: 'follow-up: still not solved, handed over to humans',
          handover: true,
          reply: renderHandover(kb.handover, kb.footer, vars),
          answerId: record('handover', entry.id, 'follow-up: still'),
        };
      }
    }

    if (classification.rule !== 'answer' || !classification.intent) {
      if (classification.helpRequest.verdict === 'yes') {
        store.recordUnanswered({
          guildId: message.guildId,
          channelId: message.channelId,
          userId: message.author.id,
          messageId: message.id,
          text: redactKeys(text).slice(0, UNANSWERED_TEXT_LIMIT),
          topIntent: classification.candidates[0]?.intent,
          confidence: classification.confidence,
          reason: classification.rule,
        });
      }
      return silent(classification.rule, { confidence: classification.confidence, candidates: topScores });
    }

    const entry = kb.byId.get(classification.intent);
    if (!entry) return silent('silent: entry disappeared in a reload');
    if (previous?.intent === entry.id) return silent('silent: already answered this in this conversation');
    const limited = limits.take(rate, at);
    if (limited) return silent(limited, { intent: entry.id, confidence: classification.confidence });

    memory.set(conversationId, message.author.id, { intent: entry.id, answeredAt: at, handedOver: false });
    return {
      kind: 'answer',
      intent: entry.id,
      confidence: classification.confidence,
      reason: decidedBy === 'llm judge' ? 'answer (llm judge)' : classification.rule,
      candidates: topScores,
      reply: renderAnswer(entry, kb.footer, {
        vars,
        question,
        intro: attachmentQuote(entry.id, message.attachmentText, classifier),
      }),
      answerId: record('answer', entry.id, decidedBy, classification.confidence),
    };
  }

  return { handle, handleEdit };
}

export type Pipeline = ReturnType<typeof createPipeline>;

/** Undecided but plausible: low confidence or too close to the runner-up, and a request for help. */
function isGrayZone(c: Classification, floor: number): boolean {
  const undecided = c.rule === 'silent: low confidence' || c.rule === 'silent: too close to the runner-up';
  return undecided && c.helpRequest.verdict !== 'no' && (c.candidates[0]?.score ?? 0) >= floor;
}
