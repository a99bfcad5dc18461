// Short messages that refer back to the bot's last answer: "why does this happen?", "how do I fix
// it?", an explicit "still not working", or a message that closes the exchange ("thanks",
// "resolved", "nevermind"). Anything else is read as a message of its own.
import { normalize } from '../classifier/text.ts';

export type FollowUpKind = 'why' | 'fix' | 'still' | 'closing';

const WHY =
  /^(?:but |ok(?:ay)? |so |and )?(?:why|what(?:'s| is)? (?:causes?|caused|the (?:cause|reason))|how come|what does (?:this|that|it) mean|why (?:does|is|did|do) (?:this|that|it))\b/;
const FIX =
  /\b(?:how (?:do|can|should|would) (?:i|we|you) (?:fix|solve|resolve|get rid of|stop) (?:it|this|that)|how to (?:fix|solve|resolve) (?:it|this|that)|how (?:exactly )?(?:do|can|should|would) (?:i|we) (?:[\w']+ ){0,4}?(?:do|change|set|enable|disable|find) (?:it|this|that)|what (?:should|do|can) i do(?: now| about (?:it|this|that))?|what (?:do|should) i (?:actually )?(?:run|type|enter|put|click)|any fix|is there a fix|how do i fix)\b/;
// Only an explicit report that the answer did not solve it hands over to humans: a bare "again" or
// "still" ("still new to ST, how do I …") does not.
const STILL =
  /\b(?:still (?:not|doesn'?t|does not|isn'?t|won'?t|can'?t|cannot|getting|get|gets|having|have|the same|same|broken|failing|fails|happening|happens|an? error|erroring|no|nothing|trying|says|saying|shows|showing|gives|giving|throws|throwing|returns|returning|silent|empty|blank|forbidden|stuck|crashing|crashes|refusing|refuses|looping|repeating|cut(?:s|ting)? off)|same (?:error|issue|problem|thing|message|result)|(?:did|does)(?:n'?t| not) (?:seem to )?(?:want to )?(?:help|work|fix|change|get fixed|get solved)|(?:it'?s |is )?not (?:working|fixed)|no luck|nothing changed|no change|(?:happens|happened|happening|getting it|got it) again)\b/;
// The same in Chinese, which the corpus shows askers use: "还是没用" (still no use), "不管用" (does not work).
const STILL_ZH = /还是(?:没|不|一样|报错)|没有?用|不管用/;
// Thanks, "resolved", apologies and "nevermind" end the exchange, even with a "but…" or "although…"
// after them: the asker is done, and a hand-over would call humans for nothing. "nvm" closes only
// at the start and not as Node Version Manager ("nvm use 18").
const CLOSING =
  /^(?:thanks?|thank you|thx|ty|tysm|cheers|appreciate it|nvm(?! (?:use|install|ls|alias|version|\d))|never ?mind|(?:solved|fixed|resolved)(?! the| my| your| it by)|got it|gotcha|works now|it works|that worked|this worked|ok(?:ay)? (?:thanks|thx|ty|it works|works now|got it)|sorry (?:to|for) (?:have )?bother)|\b(?:(?:problem|issue|it)(?:'s| is| was| got| has been)? (?:now )?(?:resolved|solved|fixed)|(?:this|that)(?:'s| is| was| got| has been) (?:now )?(?:resolved|solved|fixed)|sorry (?:to|for) (?:have |having )?bother(?:ed|ing)?|figured it out|never ?mind)\b/;

// "Thanks, I tried, but it didn't work": the thanks is politeness and the explicit report decides.
// Anything that says the problem is over ("thanks, fixed it, although…") still closes.
const POLITE_START = /^(?:ok(?:ay)?[,!.]? )?(?:thanks?|thank you|thx|ty|tysm|cheers|appreciate it)\b/;
const RESOLVED =
  /(?<!\bnot |n't |never )\b(?:resolved|solved|fixed|works now|working now|it works|that worked|this worked|figured it out|never ?mind|nvm)\b/;

/** Follow-ups are short; a long message is a new question even if it starts with "why". */
const MAX_FOLLOW_UP_WORDS = 14;

export function detectFollowUp(text: string): FollowUpKind | undefined {
  const t = normalize(text).trim();
  const words = t.split(/\s+/).filter(Boolean).length;
  if (words === 0) return undefined;
  const still = STILL.test(t) || STILL_ZH.test(t);
  if (CLOSING.test(t)) return still && POLITE_START.test(t) && !RESOLVED.test(t) ? 'still' : 'closing';
  if (still) return 'still';
  if (words > MAX_FOLLOW_UP_WORDS) return undefined;
  if (FIX.test(t)) return 'fix';
  if (WHY.test(t)) return 'why';
  return undefined;
}

// An error report: a status code, "error", "fails", "crashes"; not "no 401 any more", "without errors",
// "didn't crash", which report the opposite.
const FAILURE =
  /(?<!\b(?:no|not|without|never) |n't )\b(?:[45]\d\d|errors?|exception|fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|broken)\b/;

/**
 * A message that reports a failure without saying "still". Inside the exchange itself (a reply to
 * the bot's answer, or the asker's thread) that means the answer did not solve it; in the open
 * channel it may be anything, so there only an explicit "still not working" counts.
 */
export function reportsFailure(text: string): boolean {
  return FAILURE.test(normalize(text));
}
