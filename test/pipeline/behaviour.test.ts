import { describe, expect, it } from 'vitest';
import { askersThread, testPipeline } from '../support/pipeline.ts';

const PASTED_401 =
  'getting this in sillytavern: {"error":{"message":"No auth credentials found","code":401}}';

describe('what the pipeline answers', () => {
  it('answers a pasted 401 error in #sillytavern with the 401 entry', async () => {
    // The asker gets the 401 answer with its follow-up question and the footer.
    const { say } = testPipeline();
    const outcome = await say(PASTED_401);
    expect(outcome).toMatchObject({ kind: 'answer', intent: 'error-401-unauthorized' });
    expect(outcome.reply).toContain('-# This is an automated response.');
  });

  it('stays silent in a channel that is not a support channel', async () => {
    // #general never hears from the bot.
    const { say } = testPipeline();
    const outcome = await say(PASTED_401, { channelId: 'c-general', channelName: 'general' });
    expect(outcome).toMatchObject({ kind: 'silent', reason: 'ignored: not a support channel' });
  });

  it('answers inside a thread whose parent is the support channel', async () => {
    // The answer is posted in the thread, where the question was asked.
    const { say } = testPipeline();
    const outcome = await say(PASTED_401, {
      channelId: 't1',
      channelName: 'help me',
      threadId: 't1',
      threadOwnerId: 'asker',
      parentChannelId: 'c-sillytavern',
      parentChannelName: 'sillytavern',
    });
    expect(outcome.intent).toBe('error-401-unauthorized');
  });

  it('never answers bots, webhooks or staff', async () => {
    // Two bots cannot loop, and helpers quoting the error get no lecture.
    const { say } = testPipeline();
    expect(
      (await say(PASTED_401, { author: { id: 'b', displayName: 'Bot', isBot: true, roles: [] } })).reply,
    ).toBeUndefined();
    expect(
      (
        await say(PASTED_401, {
          author: { id: 'w', displayName: 'Hook', isBot: false, isWebhookOrSystem: true, roles: [] },
        })
      ).reply,
    ).toBeUndefined();
    expect(
      (await say(PASTED_401, { author: { id: 's', displayName: 'Mod', isBot: false, roles: ['staff'] } }))
        .reason,
    ).toBe('ignored: staff member');
  });

  it('handles the same message id only once', async () => {
    // A message Discord delivers twice (after a resume) gets one answer, not two.
    const { pipeline, message } = testPipeline();
    const incoming = message(PASTED_401);
    expect((await pipeline.handle(incoming)).reply).toBeDefined();
    expect((await pipeline.handle(incoming)).reason).toBe('ignored: already handled this message');
  });

  it('answers only what the asker wrote, not the lines they quote', async () => {
    // Quoting someone's error while chatting is not a question to the bot.
    const { say } = testPipeline();
    const outcome = await say(`> ${PASTED_401}\nlol same, happened to me last week`);
    expect(outcome.reply).toBeUndefined();
  });

  it('does not answer a reply to another person', async () => {
    // A conversation between two humans is left alone.
    const { say } = testPipeline();
    const outcome = await say(PASTED_401, { replyTo: { messageId: 'x', authorId: 'someone-else' } });
    expect(outcome.reason).toBe('ignored: reply to someone else');
  });

  it('stays out of a thread once another human has replied there', async () => {
    // Humans took over: no more answers, follow-ups included.
    const { say } = testPipeline();
    const thread = askersThread('t2');
    expect((await say(PASTED_401, thread)).reply).toBeDefined();
    await say('have you clicked Connect after pasting the key?', {
      ...thread,
      author: { id: 'helper', displayName: 'Helper', isBot: false, roles: [] },
    });
    expect((await say('why does this happen?', thread)).reason).toBe('ignored: humans took over this thread');
  });
});

describe('follow-ups', () => {
  it('answers "how do I fix it?" from the last entry\'s Fix section', async () => {
    // The asker gets the numbered fix steps of the 401 entry.
    const { say, knowledge } = testPipeline();
    await say(PASTED_401);
    const outcome = await say('how do i fix it?');
    expect(outcome).toMatchObject({
      kind: 'followup',
      intent: 'error-401-unauthorized',
      reason: 'follow-up: fix',
    });
    const fix = knowledge.kb.byId.get('error-401-unauthorized')?.sections.fix ?? '';
    expect(outcome.reply).toContain(fix.slice(0, 60));
  });

  it('answers "why does this happen?" asked seconds after the answer, inside the user cooldown', async () => {
    // Reading the answer and asking why at once is not flooding: the Why section comes right away.
    const { say, clock, pipeline, message } = testPipeline();
    await say(PASTED_401);
    clock.now += 5_000;
    const why = await pipeline.handle(message('why does this happen?'));
    expect(why).toMatchObject({ kind: 'followup', reason: 'follow-up: why' });
  });

  it('hands over to humans on "still not working" and then stays out of the conversation', async () => {
    // The asker is asked for details a helper needs; the bot does not repeat itself.
    const { say } = testPipeline();
    await say(PASTED_401);
    const handover = await say('still not working');
    expect(handover).toMatchObject({ kind: 'handover', intent: 'error-401-unauthorized' });
    expect(handover.reply).toContain('terminal');
    expect((await say('why does this happen?')).reply).toBeUndefined();
    expect((await say(PASTED_401)).reply).toBeUndefined();
  });

  it('answers a new question that happens to contain "still" as a new question', async () => {
    // "still" is not always "still not working": a different, clear question gets its own answer.
    const { say } = testPipeline();
    await say(PASTED_401);
    const next = await say(
      'still learning ST lol, sillytavern says Rate limit exceeded: free-models-per-day, what now?',
    );
    expect(next).toMatchObject({ kind: 'answer', intent: 'error-429-rate-limit' });
  });

  it('treats "why does this happen?" without an earlier answer as nothing to answer', async () => {
    // Nobody was answered, so there is nothing to explain.
    const { say } = testPipeline();
    expect((await say('why does this happen?')).reply).toBeUndefined();
  });

  it('forgets the conversation after the follow-up window', async () => {
    // Twenty minutes later, "why?" is not about the old answer any more.
    const { say, clock } = testPipeline();
    await say(PASTED_401);
    clock.now += 20 * 60_000;
    expect((await say('why does this happen?')).reply).toBeUndefined();
  });

  it('does not repeat the same answer in one conversation', async () => {
    // Pasting the same error again means the answer did not help: the asker is handed over to
    // humans instead of getting the same wall of text twice.
    const { say } = testPipeline();
    const first = await say(PASTED_401);
    const again = await say('{"error":{"message":"No auth credentials found","code":401}} ???');
    expect(again.kind).not.toBe('answer');
    expect(again.reply).not.toBe(first.reply);
  });
});

describe('!mute', () => {
  it('acknowledges !mute and never answers that user again, until !unmute', async () => {
    // The user sees a short acknowledgement, then silence; !unmute brings answers back.
    const { say } = testPipeline();
    expect(await say('!mute')).toMatchObject({ kind: 'command' });
    expect((await say(PASTED_401)).reason).toBe('ignored: user muted the bot');
    expect((await say('!mute')).reply).toContain('already muted');
    expect((await say('!unmute')).reply).toContain('respond to your questions again');
    expect((await say(PASTED_401)).intent).toBe('error-401-unauthorized');
  });

  it('mutes per server: a mute in one guild does not silence the bot in another', async () => {
    const { say } = testPipeline();
    await say('!mute', { guildId: 'g1' });
    expect((await say(PASTED_401, { guildId: 'g2' })).intent).toBe('error-401-unauthorized');
  });
});

describe('bad input', () => {
  it('stays silent on an empty message', async () => {
    const { say } = testPipeline();
    expect((await say('')).reply).toBeUndefined();
  });

  it('stays silent on an attachment with no text', async () => {
    // A screenshot alone cannot be read by the local classifier; a human will look.
    const { say } = testPipeline();
    const outcome = await say('', {
      attachments: [{ name: 'error.png', contentType: 'image/png', url: 'https://cdn/x.png' }],
    });
    expect(outcome.reply).toBeUndefined();
  });

  it('handles an 8000-character message without crashing and within Discord limits', async () => {
    const { say } = testPipeline();
    const outcome = await say(`${PASTED_401} ${'lorem ipsum '.repeat(700)}`.slice(0, 8000));
    expect(outcome.reply?.length ?? 0).toBeLessThanOrEqual(2000);
  });

  it('never puts a live @everyone into a reply, even when the question contains one', async () => {
    // The answer text comes from knowledge/, and mention syntax is defused on top of allowedMentions.
    const { say } = testPipeline();
    const outcome = await say(`@everyone ${PASTED_401} <@&123456789012345678>`, {
      author: { id: 'asker', displayName: '@everyone', isBot: false, roles: [] },
    });
    expect(outcome.reply).toBeDefined();
    expect(outcome.reply).not.toMatch(/@everyone|@here|<@&?\d+>/);
  });

  it('reads through zalgo and emoji', async () => {
    const zalgo = [...'unauthorized'].map((ch) => `${ch}\u0301\u0317\u0334`).join('');
    const { say } = testPipeline();
    const outcome = await say(`🔥🔥 error 401 ${zalgo} from openrouter 😭`);
    expect(outcome.intent).toBe('error-401-unauthorized');
  });

  it('answers a code block with a pasted stack trace by its error', async () => {
    const { say } = testPipeline();
    const trace = [
      'help, sillytavern console shows this, what do I do?',
      '```',
      'Chat completion request error:  Too Many Requests {"error":{"message":"Rate limit exceeded: free-models-per-day","code":429}}',
      '    at makeRequest (file:///SillyTavern/src/endpoints/backends/chat-completions.js:123:15)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '```',
    ].join('\n');
    expect((await say(trace)).intent).toBe('error-429-rate-limit');
  });
});
