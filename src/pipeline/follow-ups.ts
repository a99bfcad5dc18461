// Short messages that refer back to the last answer ("why does this happen?", "how do I fix it?",
// "still not working") and the per-(conversation, user) memory they refer to.
import { normalize } from '../classifier/text.ts';

export type FollowUpKind = 'why' | 'fix' | 'still';

const WHY =
  /^(?:but |ok(?:ay)? |so |and )?(?:why|what(?:'s| is)? (?:causes?|caused|the (?:cause|reason))|how come|what does (?:this|that|it) mean|why (?:does|is|did|do) (?:this|that|it))\b/;
const FIX =
  /\b(?:how (?:do|can|should|would) (?:i|we|you) (?:fix|solve|resolve|get rid of|stop) (?:it|this|that)|how to (?:fix|solve|resolve) (?:it|this|that)|what (?:should|do|can) i do(?: now| about (?:it|this|that))?|any fix|is there a fix|how do i fix)\b/;
const STILL =
  /\b(?:still|again|same (?:error|issue|problem|thing|message)|did(?:n'?t| not) (?:help|work|fix)|does(?:n'?t| not) (?:help|work)|not (?:working|fixed)|no luck|nothing changed|no change)\b/;

/** Follow-ups are short; a long message is a new question even if it starts with "why". */
const MAX_FOLLOW_UP_WORDS = 14;

export function detectFollowUp(text: string): FollowUpKind | undefined {
  const t = normalize(text).trim();
  const words = t.split(/\s+/).filter(Boolean).length;
  if (words === 0) return undefined;
  if (STILL.test(t)) return 'still';
  if (words > MAX_FOLLOW_UP_WORDS) return undefined;
  if (FIX.test(t)) return 'fix';
  if (WHY.test(t)) return 'why';
  return undefined;
}

export interface ConversationMemory {
  intent: string;
  answeredAt: number;
  /** The bot handed this asker over to humans: it stays out of the conversation. */
  handedOver: boolean;
  /** Follow-up sections already sent: each is sent once, so "why?" twice cannot make the bot loop. */
  sectionsSent?: FollowUpKind[];
}

/** What the bot last answered each asker in each conversation, forgotten after the window. */
export function createMemory(windowMs: number, handoverMs: number) {
  const memory = new Map<string, ConversationMemory>();
  const key = (conversationId: string, userId: string) => `${conversationId}:${userId}`;
  const isLive = (m: ConversationMemory, now: number) =>
    now - m.answeredAt <= (m.handedOver ? handoverMs : windowMs);

  return {
    get(conversationId: string, userId: string, now: number): ConversationMemory | undefined {
      const m = memory.get(key(conversationId, userId));
      if (!m) return undefined;
      if (isLive(m, now)) return m;
      memory.delete(key(conversationId, userId));
      return undefined;
    },
    set(conversationId: string, userId: string, value: ConversationMemory): void {
      // Re-insert so Map order stays oldest-first for pruning.
      memory.delete(key(conversationId, userId));
      memory.set(key(conversationId, userId), value);
    },
    /** Drops expired entries; called now and then so memory stays bounded in a long run. */
    prune(now: number): void {
      for (const [k, m] of memory) if (!isLive(m, now)) memory.delete(k);
    },
    get size() {
      return memory.size;
    },
  };
}
