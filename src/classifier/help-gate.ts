// Does a message read as a request for help? Answering chatter, thanks and feature requests is
// what gets support bots muted, so a message must show a question, a problem or a pasted error,
// and must not read as closing a problem or asking for a feature.
import { normalize } from './text.ts';

const QUESTION_START =
  /^(?:how|why|what|whats|where|when|which|who|is|are|can|could|does|do|did|should|would|will|any|anyone|anybody|has|have|am|wtf|help)\b/;

const PROBLEM =
  /\b(?:not working|n[o']?t work|doesn'?t|does not|don'?t|didn'?t|won'?t|can'?t|cannot|couldn'?t|isn'?t|aren'?t|unable|fail(?:s|ed|ing|ure)?|broken?|stuck|issue|problem|trouble|help|bug|error|errors|exception|keeps?|stopp?(?:s|ed)?|nothing happens|empty|blank|cut(?:s|ting)? off|truncat\w*|refus\w*|invalid|unauthori[sz]ed|forbidden|denied|exceeded|timed? ?out|rate.?limit\w*|wrong|weird|instead|missing|disappear\w*|no longer|suddenly|anymore|charged|expire\w*|repeat\w*|loop\w*|how (?:do|can|to|would|should)|is there (?:a|any) way)\b/;

const PASTED_ERROR = /\b[45]\d\d\b|"error"|\berror:|\{\s*"?(?:error|message|code)"?\s*:/;

// A message that closes a problem, thanks someone or asks for a feature is not a new request for help.
const NOT_A_REQUEST =
  /^(?:thanks?|thank you|thx|ty|tysm|cheers|appreciate|nvm|never ?mind|solved|fixed|resolved|got it|gotcha|works now|it works|that worked|this worked)\b|\b(?:feature[ _-]?request|\[request\]|\[feature|it would be (?:nice|great|cool|better)|would be (?:nice|great|cool) (?:if|to)|please add|could you add|can you add|you should add|turns out|figured it out|works now|working now|solved (?:it|by)|fixed it|my (?:own )?fault|my bad)\b/;

export interface HelpSignals {
  isHelpRequest: boolean;
  reason: string;
}

export function readHelpRequest(text: string): HelpSignals {
  const t = normalize(text).trim();
  if (!t) return { isHelpRequest: false, reason: 'empty' };
  if (NOT_A_REQUEST.test(t))
    return { isHelpRequest: false, reason: 'reads as thanks, a fix report or a feature request' };
  if (PASTED_ERROR.test(t)) return { isHelpRequest: true, reason: 'pasted error' };
  if (t.includes('?')) return { isHelpRequest: true, reason: 'question' };
  if (QUESTION_START.test(t)) return { isHelpRequest: true, reason: 'question' };
  if (PROBLEM.test(t)) return { isHelpRequest: true, reason: 'describes a problem' };
  return { isHelpRequest: false, reason: 'no question, problem or error' };
}
