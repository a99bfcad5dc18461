// Does a message read as a request for help? Answering thanks, fix reports and feature requests
// is what gets support bots muted. Three answers: yes (a question, a problem or a pasted error),
// no (thanks, "works now", a feature request), or unclear (a bare statement), which the classifier
// then answers only on strong evidence.
import { normalize } from './text.ts';

export type HelpVerdict = 'yes' | 'no' | 'unclear';

const QUESTION_START =
  /^(?:help|how|why|what|whats|where|when|which|who|is|are|can|could|does|do|did|should|would|will|any|anyone|anybody|has|have|am|wtf)\b/;

// A question after a first sentence, without a question mark ("ok connected now. what instruct
// template do i use"). Only question words: "will post later" or "have a nice day" start sentences too.
const LATER_QUESTION =
  /[.!:\n]\s*(?:how|why|what|whats|where|which|is there|are there|(?:can|could|do|should) (?:i|you|we|someone|anyone))\b/;

const PROBLEM =
  /\b(?:not working|n[o']?t work|doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|can'?t|cannot|couldn'?t|could not|wouldn'?t|would not|will not|isn'?t|is not|aren'?t|are not|wasn'?t|never|unable|no (?:response|reply|output|answer|results?|models?|options?)|nothing (?:is |was )?(?:happens|happened|shows?|showing|shown|appears?|loads?|works?)|(?:run|ran|running) out of|out of (?:credits|funds|quota)|incorrect|not correct|discrepanc\w*|mismatch\w*|only (?:shows?|lists?|see|get)|not (?:shown?|showing|displayed|displaying|visible|listed|appearing|loading)|can'?t find|fail(?:s|ed|ing|ure)?|broken?|breaks|stuck|issues?|problems?|trouble|any ideas?|please fix|(?:need|pls|please|any|some) help|help (?:me|pls|please)|bug|error|errors|exception|crash(?:es|ed|ing)?|freez(?:es|ing)|frozen|hangs?|gibberish|(?<!\bi )(?:is|are|was|were|all) gone|over and over|keeps?|stopp?(?:s|ed)?|empty|blank|cut(?:s|ting)? off|truncat\w*|refus\w*|invalid|unauthori[sz]ed|forbidden|denied|exceeded|times? ?out|timed? ?out|rate.?limit\w*|wrong|weird|instead|missing|disappear\w*|no longer|suddenly|anymore|charged|expire\w*|repeat\w*|loop\w*|how (?:do|can|to|would|should)|is there (?:a|any) way|idk|confus\w*|not able to|no such file|cut (?:at|short)|expect(?:ed|s)?\b[^.?!]{0,100}\bbut|still (?:see|seeing|getting|having|happens|happening)|(?:it'?s|was|were) not \w+ing)\b/;

const PASTED_ERROR = /\b[45]\d\d\b|"error"|[a-z]*error:|\{\s*"?(?:error|message|code)"?\s*:|\bexception\b/;
// What the APIs and backends this bot covers say when they fail, pasted on its own ("No endpoints
// found matching your data policy", "insufficient credits", "connect ECONNREFUSED 127.0.0.1:5001"):
// an error line is a request for help even without a question or the word "error". Only in a short
// message: in a longer one the same words are often a story ("got the insufficient credits thing
// too last month, topped up and moved on").
const ERROR_LINE =
  /\b(?:(?:not|no \w+(?: \w+)?) found|unexpected token|e(?:connrefused|connreset|timedout|notfound|addrinuse)|too many requests|payment required|bad (?:gateway|request)|service unavailable|gateway time-?out|insufficient|overloaded|maximum context length|not (?:set|loaded|loading|saved|saving|connected|connecting|responding|triggering|triggered|supported|allowed|available|valid))\b/;
const ERROR_LINE_WORDS = 15;

// Openings that thank someone or close a problem.
const CLOSING_START =
  /^(?:psa|fyi|fwiw|for what it'?s worth|pro ?tip|tip|thanks?|thank you|thx|ty|tysm|cheers|appreciate|nvm|never ?mind|solved|fixed|resolved|got it|gotcha|works now|it works|that worked|this worked|ah,? (?:thanks|ok|i see|excuse))\b/;
// The same in Chinese: thanks (谢谢, 感谢, 多谢), "solved" (已解决, 解决了, 搞定了), and an opening
// "I suggest" (建议), which is how Chinese feature requests start.
const CLOSING_ZH = /^(?:谢谢|感谢|多谢|建议)|已解决|解决了|搞定了/;
// Chinese questions (how, why, whether: 如何, 怎么, 为什么, 是否, a closing 吗) and problems (cannot,
// failed, throws an error, still: 无法, 失败, 报错, 仍然). Not the bare word for "error" (错误): fix
// reports name it too ("found the cause of the error"). A tenth of the corpus is Chinese.
const QUESTION_ZH = /如何|怎么|怎样|为什么|为何|为啥|是否|有没有|吗[?。]?\s*$/;
const PROBLEM_ZH = /无法|不能|不行|不通|失败|报错|异常|没有(?:反应|回复|输出|响应)|仍然|仍旧|还是不/;
// Feature requests and fix reports anywhere in the message.
const NOT_A_REQUEST =
  /\[(?:request|feature|ux)|\b(?:feature[ _-]?request|(?:it'?ll|it will|it would|would) be (?:so )?(?:much )?(?:nice|nicer|great|cool|better) (?:if|to)|could you add|can you add|you should add|turns out|figured it out|(?:it'?s|its|all|everything'?s?) (?:fine|good|ok|okay|working) now|(?:that'?s what|this|that) fixed|fixed (?:it|this|that|the \w+) for me|worked for me|(?:did|done|does) the trick|i (?:just )?(?:solved|fixed|figured)|works now|working now|solved (?:it|by)|fixed it|(?:it'?s|its|it is|that'?s|everything'?s?) (?:fixed|solved|resolved)|back to normal|my (?:own )?fault|my bad)\b/;

// "+1", "same here", "I have the same issue": someone else's problem, already asked in the thread.
const ME_TOO =
  /^(?:\+1|me too|same(?: here| issue| problem| error| thing)|(?:i'?m |i am )?(?:also )?(?:having|getting|facing) the same|i (?:also )?(?:have|had|got|get|see|saw) the (?:same|exact same))\b/;

// Opinions and replies in a discussion ("I don't think that's right, ...") are not requests,
// unless they also ask or paste something.
const OPINION_START =
  /^(?:i (?:don'?t|do not) think|imo|in my (?:opinion|experience)|personally|tbh|honestly)\b/;

// "help", "help me", "pls help": nothing to answer yet. The asker's next message says what is wrong.
const BARE_CALL_FOR_HELP =
  /^(?:(?:pls|please|plz|i need|need|someone|somebody|anyone|can (?:someone|anyone|you)|could (?:someone|anyone|you)) )*help(?: (?:me|us|pls|please|plz|needed|anyone|someone))*[\s!?.]*$/;

// Advice to someone else. In a help channel half the messages are people helping people; the bot
// answering them is clutter at best and contradicts the helper at worst.
const ADDRESSED_TO_SOMEONE = /(?:^|\s)@(?!everyone\b|here\b)[\w.]+|<@!?\d+>/;
const ADVICE_TO_OTHERS = [
  // "whoever asked about the 402: top up credits", "for anyone getting 429s: wait a minute"
  /\b(?:whoever|who ever) (?:asked|had|has|was|is|wanted|posted)\b/,
  /^(?:for|to) (?:anyone|anybody|everyone|those|people|the (?:person|guy|one)|whoever)\b/,
  // "for the 429 just wait a minute, free models are limited"
  /^for (?:the|that|your|a) [^?]{1,40}?,? (?:just|you|try|wait|top|set|go|make|use|check|enable|disable|press|click|switch|turn|update|restart|add|get)\b/,
  // "did you press connect? the model list loads after that": a question to another person
  /^(?:did|have|are|were) (?:you|u) (?:press|pressed|click|clicked|try|tried|set|check|checked|enable|enabled|add|added|put|select|selected|restart|restarted|update|updated|top|topped|use|using|turn|turned|make|made|connect|connected|refresh|refreshed|save|saved|paste|pasted)\b/,
  // "you need to top up", "your key is wrong": telling someone what to do or what is wrong
  /^(?:you|u|your|ur|you'?re) (?:need|have|should|must|gotta|got to|can just|can try|might want|probably|forgot|are using|using|key is|model is)\b/,
];
// Explaining someone's error ("that just means the model is busy", "you're seeing this because…",
// "that's because free models are limited"). With a question it is more likely an asker quoting what
// an error usually means, or guessing ("it's because of my proxy?").
const EXPLAINS_AN_ERROR =
  /\b(?:usually|typically|probably|likely|just|basically) means\b|^(?:you'?re|you are|u r) (?:seeing|getting|hitting)\b|^(?:that'?s|thats|it'?s|its|this is) (?:because|due to|caused by)\b/;
// Imperative advice ("just wait a minute, free models are limited") reads as a problem report to
// the help gate; without a question or a first-person problem it is someone helping someone.
// ("Open WebUI fails to connect" names an app, not an order.)
const IMPERATIVE_START =
  /^(?:just |simply |then )?(?:try|wait|top up|make sure|go to|check|set|enable|disable|press|click|switch|turn|update|restart|reinstall|select|use|add|remove|change|open(?! ?web ?ui\b))\s/;
const FIRST_PERSON = /\b(?:i|i'm|im|i've|ive|my|me|mine|we|our)\b/;
// A guess at someone's problem ("probably an invalid api key", "maybe the provider is down"): with
// no question and nothing of the writer's own, it is a helper's reply.
const GUESS_START = /^(?:probably|prob|maybe|perhaps|likely|might be|could be)\b/;
// "you can use your LAN address instead of 0.0.0.0": a helper's suggestion. ("u can use openrouter
// with ST?" asks, so a question mark keeps it the writer's own.)
const SUGGESTION_START =
  /^(?:you|u) (?:can|could|may) (?:just |also )?(?:use|set|try|change|add|go|check|switch|run|enable|disable|put|edit|select|find|get|turn|install|update)\b/;

/** Advice or an answer to another person, not a question of the writer's own. */
export function readsAsAdviceToOthers(text: string): boolean {
  const t = normalize(text).trim();
  if (!t) return false;
  if (ADDRESSED_TO_SOMEONE.test(t)) return true;
  if (ADVICE_TO_OTHERS.some((pattern) => pattern.test(t))) return true;
  if (EXPLAINS_AN_ERROR.test(t) && !t.includes('?')) return true;
  if (SUGGESTION_START.test(t) && !t.includes('?')) return true;
  return (IMPERATIVE_START.test(t) || GUESS_START.test(t)) && !t.includes('?') && !FIRST_PERSON.test(t);
}

export interface HelpSignals {
  verdict: HelpVerdict;
  reason: string;
}

export function readHelpRequest(text: string): HelpSignals {
  // Error codes are snake_case ("context_length_exceeded", "invalid_api_key"): their words count.
  const t = normalize(text).replace(/_/g, ' ').trim();
  if (!t) return { verdict: 'no', reason: 'empty' };
  if (BARE_CALL_FOR_HELP.test(t)) return { verdict: 'no', reason: 'a call for help without the problem' };
  // "thanks! but now I get 402, what do I do?" is a new request despite its polite opening.
  const newQuestionAfterThanks = CLOSING_START.test(t) && t.includes('?') && PASTED_ERROR.test(t);
  if ((CLOSING_START.test(t) && !newQuestionAfterThanks) || NOT_A_REQUEST.test(t) || CLOSING_ZH.test(t)) {
    return { verdict: 'no', reason: 'reads as thanks, a fix report or a feature request' };
  }
  if (ME_TOO.test(t) && !t.includes('?')) return { verdict: 'no', reason: "a +1 on someone else's problem" };
  // "@vex try ticking …": addressed to another person, not to the bot.
  if (/^(?:@(?!everyone|here)\S|<@!?\d)/.test(t))
    return { verdict: 'no', reason: 'addressed to someone else' };
  if (PASTED_ERROR.test(t)) return { verdict: 'yes', reason: 'pasted error' };
  if (ERROR_LINE.test(t) && t.split(/\s+/).length <= ERROR_LINE_WORDS)
    return { verdict: 'yes', reason: 'pasted error' };
  if (t.includes('?') || QUESTION_START.test(t) || LATER_QUESTION.test(t) || QUESTION_ZH.test(t))
    return { verdict: 'yes', reason: 'question' };
  if (OPINION_START.test(t)) return { verdict: 'unclear', reason: 'reads as an opinion' };
  if (PROBLEM.test(t) || PROBLEM_ZH.test(t)) return { verdict: 'yes', reason: 'describes a problem' };
  return { verdict: 'unclear', reason: 'no question, problem or error' };
}
