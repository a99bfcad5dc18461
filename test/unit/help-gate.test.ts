import { describe, expect, it } from 'vitest';
import { readHelpRequest, readsAsAdviceToOthers } from '../../src/classifier/help-gate.ts';

const verdictOf = (text: string) => readHelpRequest(text).verdict;

describe('readHelpRequest', () => {
  it.each([
    'thanks, that fixed it',
    'Thank you so much!!',
    'ty',
    'works now, cheers',
    'nvm i figured it out',
    'ok it works now after a restart',
    'turns out i had the wrong model selected lol',
    'my bad, wrong key',
    'switching the context template did the trick',
    'fwiw I get empty replies with that model too, most of the time',
    '谢谢！', // "thanks!"
    '换了新的key，问题解决了', // "changed to a new key, the problem is solved"
  ])('reads the thanks or fix report %j as not a help request', (text) => {
    // The bot stays silent when someone closes their own problem, even if it mentions an error word.
    expect(verdictOf(text)).toBe('no');
  });

  it.each([
    'feature request: a button to copy the last error',
    'it would be nice if the bot could show token counts',
    'can you add support for more providers?',
    '[request] let us pin presets',
  ])('reads the feature request %j as not a help request', (text) => {
    // Wishes for features are left to the humans, even when phrased as a question.
    expect(verdictOf(text)).toBe('no');
  });

  it.each([
    'ok connected now. what instruct template do i use for a mistral model',
    'got st running on my phone. how do i get it to stay awake',
  ])('reads a question after a first sentence, without a question mark, as a request: %j', (text) => {
    // The asker's second sentence asks something; the bot may answer it.
    expect(readHelpRequest(text)).toEqual({ verdict: 'yes', reason: 'question' });
  });

  it.each(['updated to 1.13 today. will post my preset later', 'thx all. have a nice day'])(
    'does not read a later sentence that only starts like a question as one: %j',
    (text) => {
      // "will", "have", "do" open statements too; only question words count after the first sentence.
      expect(verdictOf(text)).not.toBe('yes');
    },
  );

  it.each(['lol same', 'good morning everyone', 'nice preset', 'please add a dark mode to the model list'])(
    'does not read the chatter %j as a help request',
    (text) => {
      // Small talk never counts as a request for help.
      expect(verdictOf(text)).not.toBe('yes');
    },
  );

  it.each([
    'No endpoints found matching your data policy',
    'insufficient credits',
    'connect ECONNREFUSED 127.0.0.1:5001',
    'unexpected token < doctype',
    'chat completion source not set',
    'Too Many Requests',
  ])('reads the error line %j, pasted on its own, as a help request', (text) => {
    // Askers often paste only what the API said: the bot treats it like a question about it.
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    'the connection test says it could not reach the server',
    'getting context_length_exceeded on every request with deepseek',
    'the model would not load after the update',
  ])('reads %j ("could not", a snake_case error code) as describing a problem', (text) => {
    // Without a question mark these still ask for help: the bot may answer them.
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    'SillyTavern crashes when I open the extensions menu',
    'the chat freezes halfway through every reply',
    'all my presets are gone after the update',
    'no models in the dropdown after connecting',
    'nothing happens when I press connect',
    'the bot keeps saying the same line over and over',
    'replies come out as gibberish with this preset',
    'looks like I ran out of credits on openrouter',
    'the reasoning is not displayed anymore',
    'lorebook entries only trigger once, please fix',
  ])('reads the plain problem statement %j as a help request', (text) => {
    // Askers often describe what goes wrong without a question mark or the word "error".
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    'kobold runs fine but sillytavern not able to connect to it',
    'start.sh: line 3: node: No such file or directory',
    'still seeing the thinking block in every reply after turning it off',
    "it's not playing the voice even though elevenlabs shows the request",
    'replies get cut at about 1000 characters on deepseek',
    'expected the reply to stream word by word but it shows up all at once',
  ])('reads %j, a problem in other words, as a help request', (text) => {
    // "not able to" is "unable"; a shell's "No such file or directory" is an error line; "still
    // seeing", "it's not playing", "cut at" and "expected … but" say something goes wrong. Before, all
    // were bare statements.
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    ['如何在酒馆里隐藏推理过程', 'yes'],
    ['连接 openrouter 一直失败', 'yes'],
    ['kobold 连接测试不通', 'yes'],
    ['这个模型支持图片吗', 'yes'],
    ['建议在设置里加一个导出按钮', 'no'],
  ])('reads the Chinese message %j as %s', (text, verdict) => {
    // A tenth of the corpus is Chinese: "how" (如何), "failed" (失败) and a trailing 吗 ask for help;
    // a message opening with "I suggest" (建议) is a feature request. Before, all were bare statements.
    expect(verdictOf(text)).toBe(verdict);
  });

  it('reads "how can I solve this" as a question, not as a fix report', () => {
    // "I solve" in a question once silenced the bot as if the asker had fixed it themselves.
    expect(verdictOf("I can't connect to KoboldCpp at all. How can I solve this?")).toBe('yes');
    expect(verdictOf('i solved it, the url was wrong')).toBe('no');
  });

  it.each(["it's fixed now, thanks everyone", 'everything is back to normal after a restart'])(
    'reads the fix report %j as not a help request',
    (text) => {
      // A solved problem gets no answer.
      expect(verdictOf(text)).toBe('no');
    },
  );

  it.each([
    'same here',
    '+1',
    'Same error here, on the free deepseek too',
    "I'm having the same issue since yesterday",
    'I get the same thing with the gemini flash model, empty replies',
  ])('reads the me-too %j as not a help request', (text) => {
    // Someone else's problem, already asked in the thread: the bot does not answer every "+1".
    expect(verdictOf(text)).toBe('no');
  });

  it('still reads a me-too that asks something as a help request', () => {
    // "Same here, what do I do?" is a question of the writer's own.
    expect(verdictOf('same issue here, getting 402 on every model. what do I do?')).toBe('yes');
  });

  it('does not read "I was gone for a while" as a problem', () => {
    // Only something that is gone (presets, chats) is a problem; the writer being away is not.
    expect(verdictOf('sorry, I was gone for a while')).not.toBe('yes');
  });

  it('does not read the same error words in a longer story as a pasted error', () => {
    // "Had that too last month, topped up and moved on" is chatter, not a request.
    expect(
      verdictOf(
        'yeah the insufficient credits thing happened to me too last month, i just topped up and moved on',
      ),
    ).not.toBe('yes');
  });

  it('reads an empty message as not a help request', () => {
    // An image-only post with no text is not treated as a question.
    expect(verdictOf('   ')).toBe('no');
  });

  it.each([
    '{"error":{"message":"Provider returned error","code":429}}',
    'Error: connect ECONNREFUSED 127.0.0.1:8000',
    'got 503 from the provider',
  ])('reads the pasted error %j as a help request', (text) => {
    // A bare pasted error is the most common way people ask for help.
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    'how do i change the context size',
    'which free models support images?',
    'is openrouter down right now',
  ])('reads the question %j as a help request', (text) => {
    // A question with or without a question mark counts.
    expect(verdictOf(text)).toBe('yes');
  });

  it.each([
    'my replies keep getting cut off halfway',
    'the model list is empty after connecting',
    'sillytavern suddenly stopped generating anything',
    'openrouter refuses my card payment',
  ])('reads the problem description %j as a help request', (text) => {
    // A statement of a problem without a question mark is still a request for help.
    expect(verdictOf(text)).toBe('yes');
  });

  it('reads a question written in full-width letters with a zero-width space as a help request', () => {
    // Fancy Unicode does not hide a question.
    expect(verdictOf('ｈｏｗ do i fix\u200b this')).toBe('yes');
  });

  it('reads a new pasted error after a thank-you as a help request', () => {
    // "thanks! but now ..." opens a new problem; the asker should not be ignored for being polite.
    expect(verdictOf('thanks! but now i get 402 payment required, what do i do?')).toBe('yes');
  });
});

describe('readHelpRequest: advice and replies to others', () => {
  it.each([
    '@vex you need to tick Allow fallback providers, that fixed the 404 for me',
    '<@123456789012345678> did you click Connect after pasting the key?',
    'PSA: if you see a data policy 404, check your privacy settings',
    "had a few 502s earlier but it's fine now. anyone tried the new qwen?",
  ])('reads %j as not a request to the bot', (text) => {
    // Advice, announcements and replies addressed to someone else get no answer.
    expect(readHelpRequest(text).verdict).toBe('no');
  });

  it('still reads a message that pings @everyone with an error as a request', () => {
    // Rude, but a real question: the bot answers (without pinging anyone).
    expect(readHelpRequest('@everyone help, 401 unauthorized from openrouter').verdict).toBe('yes');
  });

  it.each(['help', 'help me', 'Help!', 'pls help', 'can someone help me?', 'i need help'])(
    'reads the bare call %j as nothing to answer yet',
    (text) => {
      // "help" alone says nothing about the problem: the bot waits for the next message.
      expect(verdictOf(text)).toBe('no');
    },
  );

  it('still reads "help, I get 401" as a request: it names the problem', () => {
    expect(verdictOf('help, I get 401 unauthorized')).toBe('yes');
  });
});

describe('readsAsAdviceToOthers', () => {
  it.each([
    'for the 429 just wait a minute, free models are limited',
    '@x did you press connect? the model list loads after that',
    'whoever asked about the 402: top up credits',
    'for anyone getting 404s: allow fallback providers',
    'did you press connect? the model list loads after that',
    'you need to top up credits first',
    'just wait a minute, free models are rate limited',
    'try turning streaming off',
    'that just means the model is busy right now, give it a minute',
    "you're seeing that because the key has no credits left",
    'probably an invalid api key',
    'maybe the provider is down for that model, try another one',
    'You can use your local network ip address instead of 0.0.0.0',
    'you could also switch to the staging branch, it has the fix',
    "that's because free models are rate limited to 20 requests a minute",
  ])('reads %j as advice to someone else', (text) => {
    // People helping people: the bot never answers on top of a helper.
    expect(readsAsAdviceToOthers(text)).toBe(true);
  });

  it.each([
    'how do I fix a 401 from openrouter?',
    'getting 429 every time, even after waiting',
    'I tried again and it still says 402',
    'try again gives me a 429?',
    'my model list is empty after connecting',
    'is there a way to use free models?',
    'Open WebUI fails to connect to ollama on port 11434',
    'I get a 401, which usually means a bad key, but mine is brand new. what else could it be?',
    'maybe my key is wrong, the page says 401',
    'probably a dumb question but where do the presets go?',
    'u can use openrouter with sillytavern?',
    'you can use free models without credits, right?',
    "it's because of my proxy? getting 403 on every request",
  ])("reads %j as the writer's own question", (text) => {
    // Askers describe their own problem; those messages stay the bot's business.
    expect(readsAsAdviceToOthers(text)).toBe(false);
  });
});
