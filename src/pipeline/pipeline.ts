// From one incoming message to a decision, and from a sent reply to its record. Pure TypeScript:
// the same code runs on Discord, in the console chat and in the evaluation.
//
//   decide(message)  reads state (mutes, pauses, exchanges, limits) and returns a Decision; the
//                    only thing it holds is a rate-limit slot, so a burst cannot pay for an LLM
//                    call per message (the slot goes back when nothing is sent);
//   commit(...)      after the edge sent the reply: records the answer, keeps the slot; with no
//                    sent message: records nothing and gives the slot back.
import { attachmentQuote, leakedKeyKinds, textWithAttachments } from '../attachments/evidence.ts';
import { createBoundedCache } from '../bounded-cache.ts';
import { type Classification, decide as decideClassification } from '../classifier/classifier.ts';
import { readsAsAdviceToOthers } from '../classifier/help-gate.ts';
import type { Config } from '../config.ts';
import { renderAnswer, renderFollowUp, renderHandover } from '../knowledge/render.ts';
import type { KnowledgeState } from '../knowledge/state.ts';
import { findLeakedKeys, redactKeys } from '../safety/leaked-keys.ts';
import { withoutQuotes } from '../safety/quoted-text.ts';
import type { Exchange, Store } from '../store/store.ts';
import { applyTextCommand, decideTextCommand } from './commands.ts';
import { detectFollowUp, type FollowUpKind, reportsFailure } from './follow-ups.ts';
import { conversationOf, createRateLimits, isStaff, isSupportChannel, rateLimitKeys } from './guards.ts';
import { renderLeakedKeyWarning } from './leaked-key-warning.ts';
import type { Decision, IncomingMessage, Outcome, Reason } from './types.ts';

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

/** Unanswered help requests are kept for moderators, shortened. */
const UNANSWERED_TEXT_LIMIT = 500;
/** Message ids, threads and askers remembered; the oldest go first in a run of weeks. */
const REMEMBERED = 10_000;

const silent = (reason: Reason, extra: Partial<Decision> = {}): Decision => ({
  kind: 'silent',
  reason,
  ...extra,
});

/** A decision whose reply is posted: for the logs and the console's `--json`. */
export const hasReply = (decision: Decision): decision is Decision & { reply: string } =>
  decision.reply !== undefined;

export function createPipeline({ knowledge, store, config, now = Date.now, judge }: PipelineDeps) {
  const windowMs = config.FOLLOWUP_WINDOW_MINUTES * 60_000;
  const limits = createRateLimits(config);
  // An event Discord delivers twice (reconnect, resume) is handled once.
  const handledIds = createBoundedCache<string, true>(REMEMBERED);
  // Discord also sends an edit when it adds a link preview: that must not bring a second warning.
  const warnedIds = createBoundedCache<string, true>(1_000);
  const threadsTakenOver = createBoundedCache<string, true>(REMEMBERED);
  // `${conversation}:${asker}` → when another person (staff or not) replied to the asker.
  const humanRepliedTo = createBoundedCache<string, number>(REMEMBERED);
  // `${conversation}:${asker}` → the asker's last message here that got no answer. In Discord one
  // question is often several messages ("my ST won't connect to openrouter" … "it says 401"): the
  // next message is read together with it. Memory only, for the follow-up window.
  const unansweredBefore = createBoundedCache<string, { text: string; at: number; messageId: string }>(
    REMEMBERED,
  );

  function leakedKeyWarning(message: IncomingMessage): Decision | undefined {
    const leaked = leakedKeyKinds(findLeakedKeys(message.content), message.attachmentText);
    if (leaked.length === 0) return undefined;
    if (warnedIds.has(message.id)) return silent('ignored: already warned about this key');
    const { reply, replyIfDeleted } = renderLeakedKeyWarning(leaked, knowledge().kb.footer);
    return {
      kind: 'warning',
      intent: 'leaked-api-key',
      reason: 'leaked API key',
      reply,
      leakedKey: { replyIfDeleted },
    };
  }

  /**
   * What stops the bot from answering this asker here, now: checked before deciding and again just
   * before a reply is sent, so a `!mute`, a pause or a person replying while the bot was thinking
   * (the LLM judge can take seconds) wins over the answer.
   */
  function interruption(message: IncomingMessage, at = now()): Reason | undefined {
    if (store.isMuted(message.guildId, message.author.id)) return 'ignored: user muted the bot';
    if (store.isPaused(message.guildId, message.parentChannelId ?? message.channelId))
      return 'ignored: channel paused';
    if (message.threadId && (threadsTakenOver.has(message.threadId) || startedBySomeoneElse(message)))
      return 'ignored: humans took over this thread';
    const repliedAt = humanRepliedTo.get(`${conversationOf(message)}:${message.author.id}`);
    if (repliedAt !== undefined && at - repliedAt <= windowMs) return 'ignored: someone replied to the asker';
    return undefined;
  }

  /** The exchange this message continues: the answer it replies to, or the asker's last one here. */
  function exchangeFor(
    message: IncomingMessage,
    repliedTo: Exchange | undefined,
    at: number,
  ): { exchange?: Exchange; explicit: boolean } {
    if (repliedTo) return { exchange: repliedTo, explicit: true };
    const latest = store.latestExchange(message.guildId, conversationOf(message), message.author.id);
    if (!latest) return { explicit: false };
    // A thread is one conversation however long it lasts; in a busy channel only a message soon
    // after the answer refers to it.
    if (message.threadId) return { exchange: latest, explicit: true };
    return at - latest.lastAt <= windowMs ? { exchange: latest, explicit: false } : { explicit: false };
  }

  /** An edited message is only checked for a leaked key: answering edits would answer twice. */
  function decideEdit(message: IncomingMessage): Decision {
    if (message.author.isBot || message.author.isWebhookOrSystem)
      return silent('ignored: bot, webhook or system message');
    return leakedKeyWarning(message) ?? silent('ignored: edited message');
  }

  /** Cheap checks, in order: whose business the message is. A decision means "not ours". */
  function guard(message: IncomingMessage, at: number): Decision | { repliedTo?: Exchange } {
    if (message.author.isBot || message.author.isWebhookOrSystem)
      return silent('ignored: bot, webhook or system message');
    if (handledIds.has(message.id)) return silent('ignored: already handled this message');
    const leaked = leakedKeyWarning(message);
    if (leaked) return leaked;
    if (!isSupportChannel(message, config.SUPPORT_CHANNELS)) return silent('ignored: not a support channel');
    const command = decideTextCommand(message, store);
    if (command) return command;
    if (isStaff(message, config.STAFF_ROLES)) return silent('ignored: staff member');
    const interrupted = interruption(message, at);
    if (interrupted) return silent(interrupted);
    // A Discord reply to one of the bot's answers continues that answer's exchange, at any age.
    const repliedTo = message.replyTo && store.exchangeOfMessage(message.guildId, message.replyTo.messageId);
    if (repliedTo && repliedTo.userId !== message.author.id)
      return silent('ignored: reply to an answer for someone else', { intent: repliedTo.intent });
    if (!repliedTo && message.replyTo?.authorId && message.replyTo.authorId !== message.author.id)
      return silent('ignored: reply to someone else');
    if (message.mentionsOthers) return silent('ignored: advice to someone else');
    return { repliedTo };
  }

  async function decide(message: IncomingMessage): Promise<Decision> {
    const at = now();
    const guarded = guard(message, at);
    if ('kind' in guarded) return guarded;
    const { exchange, explicit } = exchangeFor(message, guarded.repliedTo, at);
    const text = withoutQuotes(message.content);
    const followUp = exchange ? detectFollowUp(text) : undefined;
    // "set it to text completion like it said, still no connection" reads like advice, but in the
    // asker's own exchange it is their report on the answer: only there does a follow-up win.
    if (readsAsAdviceToOthers(text) && !followUp) return silent('ignored: advice to someone else');
    // A screenshot or message.txt is read like a pasted log: its error lines join the message, and
    // "getting this on every message" with an error in the picture is a request for help.
    const { classifier } = knowledge();
    let classification = classifier.classify(
      textWithAttachments(text, message.attachmentText),
      message.guildId,
    );
    if (
      classification.helpRequest.verdict === 'unclear' &&
      message.attachmentText?.some((a) => a.lines.length)
    )
      classification = decideClassification(
        { ...classification, helpRequest: { verdict: 'yes', reason: 'an error in an attachment' } },
        classifier.settings,
      );

    // A hand-over closes its exchange (the thread, or the answer and the replies to it), never the
    // asker's whole channel: a new question of their own is answered.
    if (exchange?.handedOver && (explicit || followUp))
      return silent('ignored: handed over to humans', { intent: exchange.intent });
    const continues = exchange?.handedOver ? undefined : exchange;
    const asFollowUp =
      continues && decideFollowUp(message, text, followUp, continues, explicit, classification, at);
    if (asFollowUp) return asFollowUp;
    const together = withWhatCameBefore(message, text, classification, at);
    const decision = await decideAnswer(
      message,
      text,
      together?.classification ?? classification,
      exchange,
      at,
      !followUp,
    );
    return together && decision.kind === 'answer' ? { ...decision, completes: together.messageId } : decision;
  }

  /**
   * A message the classifier cannot answer alone, read together with the asker's unanswered message
   * just before it here: when the two make one question, their classification and the earlier
   * message's id (it leaves the review queue once the answer is sent). Thanks and fix reports stay
   * what they are.
   */
  function withWhatCameBefore(
    message: IncomingMessage,
    text: string,
    classification: Classification,
    at: number,
  ): { classification: Classification; messageId: string } | undefined {
    if (classification.rule === 'answer' || classification.helpRequest.verdict === 'no') return undefined;
    const before = unansweredBefore.get(`${conversationOf(message)}:${message.author.id}`);
    if (!before || at - before.at > windowMs) return undefined;
    const together = knowledge().classifier.classify(`${before.text}\n${text}`, message.guildId);
    return together.rule === 'answer' ? { classification: together, messageId: before.messageId } : undefined;
  }

  /** The asker refers back to the exchange: Why, Fix, hand-over or silence; undefined for a new message. */
  function decideFollowUp(
    message: IncomingMessage,
    text: string,
    followUp: FollowUpKind | undefined,
    exchange: Exchange,
    explicit: boolean,
    classification: Classification,
    at: number,
  ): Decision | undefined {
    const { kb } = knowledge();
    const entry = kb.byId.get(exchange.intent);
    if (!entry) return undefined;
    // "why?"/"how do I fix it?"/"thanks" refer back to the answer unless the message also carries
    // hard evidence (an error string or status code) of a different problem. "still" is weaker:
    // a confident answer for another entry means a new question.
    const hardEvidence = (classification.candidates[0]?.evidence.length ?? 0) > 0;
    const newQuestion =
      classification.intent !== undefined &&
      classification.intent !== exchange.intent &&
      (!followUp || followUp === 'still' || hardEvidence);
    if (newQuestion) return undefined;
    const vars = { asker: message.author.displayName };
    const rate = rateLimitKeys(message);

    if (followUp === 'closing')
      return silent('silent: the asker closed the conversation', { intent: entry.id });
    if (followUp === 'why' || followUp === 'fix') {
      if (exchange.sectionsSent.includes(followUp))
        return silent('silent: already sent this follow-up', { intent: entry.id });
      const slot = limits.reserve(rate, at, { cooldown: false });
      if ('limited' in slot) return silent(slot.limited, { intent: entry.id });
      return {
        kind: 'followup',
        intent: entry.id,
        reason: followUp === 'why' ? 'follow-up: why' : 'follow-up: fix',
        reply: renderFollowUp(entry, followUp, kb.footer, { vars, question: text }),
        feedback: true,
        record: {
          kind: 'followup',
          intent: entry.id,
          decidedBy: `follow-up: ${followUp}`,
          exchangeId: exchange.id,
          section: followUp,
        },
        reservation: slot.reservation,
      };
    }
    // Only an explicit "still not working" hands over (or, inside the exchange itself, an error report
    // that no entry or this same entry answers: the answer did not solve it; one that another entry
    // answers was taken as a new question above). An unrelated message after an answer is a message
    // of its own.
    const stillFailing = followUp === 'still' || (explicit && !followUp && reportsFailure(text));
    if (!stillFailing) return undefined;
    const slot = limits.reserve(rate, at, { cooldown: false });
    if ('limited' in slot) return silent(slot.limited, { intent: entry.id });
    return {
      kind: 'handover',
      intent: entry.id,
      reason: 'follow-up: still not solved, handed over to humans',
      reply: renderHandover(kb.handover, kb.footer, vars),
      record: { kind: 'handover', intent: entry.id, decidedBy: 'follow-up: still', exchangeId: exchange.id },
      reservation: slot.reservation,
    };
  }

  /** A message of its own: the classifier's answer (or the judge's pick in the gray zone), or silence. */
  async function decideAnswer(
    message: IncomingMessage,
    text: string,
    classification: Classification,
    exchange: Exchange | undefined,
    at: number,
    mayAskJudge: boolean,
  ): Promise<Decision> {
    const rate = rateLimitKeys(message);
    const candidates = classification.candidates.slice(0, 3).map(({ intent, score }) => ({ intent, score }));
    let decidedBy: 'local classifier' | 'llm judge' = 'local classifier';
    let intent = classification.rule === 'answer' ? classification.intent : undefined;
    let slot: ReturnType<typeof limits.reserve> | undefined;
    // No LLM call for a follow-up, nor for a message the limits would silence anyway; the slot is
    // held while the judge thinks, so a burst of gray-zone messages pays for one call at a time.
    if (
      !intent &&
      judge &&
      mayAskJudge &&
      isGrayZone(classification, knowledge().classifier.settings.grayZoneFloor)
    ) {
      slot = limits.reserve(rate, at);
      if ('reservation' in slot) {
        const question = textWithAttachments(text, message.attachmentText);
        const judged = await askJudge(judge, question, classification, message, knowledge());
        if (judged) {
          intent = judged;
          decidedBy = 'llm judge';
        } else slot.reservation.release();
      }
    }

    if (!intent) {
      return silent('silent: no confident answer', {
        rule: classification.rule,
        confidence: classification.confidence,
        candidates,
        // A question a moderator said not to answer is decided: it stays off the review queue.
        unanswered:
          classification.helpRequest.verdict === 'yes' &&
          classification.rule !== 'silent: a moderator said not to answer this'
            ? {
                text: redactKeys(text).slice(0, UNANSWERED_TEXT_LIMIT),
                topIntent: classification.candidates[0]?.intent,
                confidence: classification.confidence,
                rule: classification.rule,
              }
            : undefined,
      });
    }

    const { kb } = knowledge();
    const entry = kb.byId.get(intent);
    const heldBack = entry
      ? answerHeldBack(entry.id, exchange, message, decidedBy === 'llm judge')
      : silent('silent: entry disappeared in a reload');
    if (heldBack || !entry) {
      if (slot && 'reservation' in slot) slot.reservation.release();
      return heldBack ?? silent('silent: entry disappeared in a reload');
    }
    slot ??= limits.reserve(rate, at);
    if ('limited' in slot)
      return silent(slot.limited, { intent: entry.id, confidence: classification.confidence });

    return {
      kind: 'answer',
      intent: entry.id,
      confidence: classification.confidence,
      reason: decidedBy === 'llm judge' ? 'answer (llm judge)' : 'answer',
      rule: classification.rule,
      candidates,
      reply: renderAnswer(entry, kb.footer, {
        vars: { asker: message.author.displayName },
        question: text,
        intro: attachmentQuote(entry.id, message.attachmentText, knowledge().classifier),
      }),
      feedback: true,
      record: { kind: 'answer', intent: entry.id, decidedBy, confidence: classification.confidence },
      reservation: slot.reservation,
    };
  }

  /** Why a decided answer must not go out after all, or undefined. */
  function answerHeldBack(
    intent: string,
    exchange: Exchange | undefined,
    message: IncomingMessage,
    judged: boolean,
  ): Decision | undefined {
    // The same problem again after a hand-over belongs to the humans who took it.
    if (exchange?.handedOver && exchange.intent === intent)
      return silent('ignored: handed over to humans', { intent });
    if (exchange?.intent === intent)
      return silent('silent: already answered this in this conversation', { intent });
    // The judge may have taken seconds: a mute, pause or human reply meanwhile wins.
    const meanwhile = judged ? interruption(message) : undefined;
    return meanwhile ? silent(meanwhile, { intent }) : undefined;
  }

  /**
   * Makes a decision count. `sentMessageId` is the id Discord gave the reply; without it (silence,
   * or a send Discord refused) nothing is recorded and the rate-limit slot goes back. Returns the
   * answer's record id when one was recorded.
   */
  function commit(message: IncomingMessage, decision: Decision, sentMessageId?: string): number | undefined {
    handledIds.set(message.id, true);
    noteHumanReplies(message);
    // Kept to be read with the next message: a question not clear enough alone. Not thanks or a fix
    // report, and never a message a moderator said not to answer (the next "any ideas?" must not
    // bring its answer after all).
    const asker = `${conversationOf(message)}:${message.author.id}`;
    if (
      decision.reason === 'silent: no confident answer' &&
      decision.rule !== 'silent: not a help request' &&
      decision.rule !== 'silent: a moderator said not to answer this'
    )
      unansweredBefore.set(asker, { text: withoutQuotes(message.content), at: now(), messageId: message.id });
    else if (sentMessageId !== undefined) unansweredBefore.delete(asker);
    if (sentMessageId !== undefined && decision.completes)
      store.forgetUnanswered(message.guildId, decision.completes);
    if (decision.leakedKey) warnedIds.set(message.id, true);
    applyTextCommand(store, message, decision);
    if (decision.unanswered) {
      const { rule, ...unanswered } = decision.unanswered;
      store.recordUnanswered({
        guildId: message.guildId,
        channelId: message.channelId,
        userId: message.author.id,
        messageId: message.id,
        reason: rule,
        ...unanswered,
      });
    }
    if (sentMessageId === undefined) {
      decision.reservation?.release();
      return undefined;
    }
    if (!decision.record) return undefined;
    return store.recordAnswer({
      guildId: message.guildId,
      channelId: message.channelId,
      conversationId: conversationOf(message),
      userId: message.author.id,
      questionMessageId: message.id,
      answerMessageId: sentMessageId,
      ...decision.record,
    });
  }

  /** Another person talking in an asker's thread, or replying to the asker: humans took over. */
  function noteHumanReplies(message: IncomingMessage): void {
    if (message.author.isBot || message.author.isWebhookOrSystem) return;
    if (message.threadId && startedBySomeoneElse(message)) threadsTakenOver.set(message.threadId, true);
    const asker = message.replyTo?.authorId;
    if (asker && !message.replyTo?.isBot && asker !== message.author.id)
      humanRepliedTo.set(`${conversationOf(message)}:${asker}`, now());
  }

  /** Decide and commit in one step, as if every reply were sent: the console chat and the eval. */
  async function handle(message: IncomingMessage): Promise<Outcome> {
    return settle(message, await decide(message));
  }

  /** The same for an edited message. */
  function handleEdit(message: IncomingMessage): Outcome {
    return settle(message, decideEdit(message));
  }

  function settle(message: IncomingMessage, decision: Decision): Outcome {
    const answerId = commit(message, decision, hasReply(decision) ? `local-${message.id}` : undefined);
    return answerId === undefined ? decision : { ...decision, answerId };
  }

  return {
    decide,
    decideEdit,
    commit,
    handle,
    handleEdit,
    /** Checked by the edge just before sending: why the reply must not go out after all. */
    interruption,
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;

function startedBySomeoneElse(message: IncomingMessage): boolean {
  return Boolean(message.threadOwnerId && message.author.id !== message.threadOwnerId);
}

/** Undecided but plausible: low confidence or too close to the runner-up, and a request for help. */
function isGrayZone(c: Classification, floor: number): boolean {
  const undecided = c.rule === 'silent: low confidence' || c.rule === 'silent: too close to the runner-up';
  return undecided && c.helpRequest.verdict !== 'no' && (c.candidates[0]?.score ?? 0) >= floor;
}

/** The judge's pick among the top candidates, or undefined; a judge that fails means silence. */
async function askJudge(
  judge: GrayZoneJudge,
  text: string,
  classification: Classification,
  message: IncomingMessage,
  { kb }: KnowledgeState,
): Promise<string | undefined> {
  const candidates = classification.candidates.slice(0, 3).flatMap((c) => {
    const candidate = kb.byId.get(c.intent);
    return candidate
      ? [{ intent: c.intent, title: candidate.title, summary: candidate.summary, score: c.score }]
      : [];
  });
  const picked = await judge({ text, candidates, attachments: message.attachments }).catch(() => undefined);
  return picked && candidates.some((c) => c.intent === picked) ? picked : undefined;
}
