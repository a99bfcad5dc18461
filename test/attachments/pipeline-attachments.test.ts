// What the pipeline does with what the edge read in attachments: error lines are classified with
// the message, the answer says what it read, keys in attachments are warned about, and nothing of
// an attachment is stored.
import { describe, expect, it } from 'vitest';
import { attachmentQuote } from '../../src/attachments/evidence.ts';
import type { AttachmentText } from '../../src/attachments/read.ts';
import { KEY_KINDS } from '../../src/safety/leaked-keys.ts';
import { realKnowledge, testPipeline } from '../support/pipeline.ts';

const TERMINAL_401 = '{"error":{"message":"No auth credentials found","code":401}}';
const screenshot = (...lines: string[]): AttachmentText => ({
  source: 'screenshot',
  name: 'image.png',
  lines,
  leakedKeys: [],
});
const file = (name: string, ...lines: string[]): AttachmentText => ({
  source: 'file',
  name,
  lines,
  leakedKeys: [],
});
const attachments = [{ name: 'image.png', url: 'https://cdn.discordapp.com/a/image.png' }];

describe('attachments in the pipeline', () => {
  it('answers "what does this mean??" with a 401 screenshot with the 401 answer, quoting the line it read', async () => {
    const { say } = testPipeline();
    const outcome = await say('what does this mean??', {
      attachments,
      attachmentText: [screenshot(TERMINAL_401)],
    });
    expect(outcome.intent).toBe('error-401-unauthorized');
    expect(outcome.reply?.startsWith(`From your screenshot: \`${TERMINAL_401}\`\n\n`)).toBe(true);
  });

  it('names the file an answer came from', async () => {
    const { say } = testPipeline();
    const outcome = await say('', {
      attachmentText: [
        file('message.txt', 'Chat completion request error:  Payment Required', 'Insufficient credits'),
      ],
    });
    expect(outcome.intent).toBe('error-402-credits');
    expect(outcome.reply).toMatch(/^From your message\.txt: `/);
  });

  it('says nothing about an attachment when the answer came from the message alone', async () => {
    const { say } = testPipeline();
    const outcome = await say('getting 401 unauthorized from openrouter, what do i do', {
      attachmentText: [screenshot('Seraphina smiles, no error here: invalid hug')],
    });
    expect(outcome.intent).toBe('error-401-unauthorized');
    expect(outcome.reply).not.toContain('From your');
  });

  it('stays silent when the attachments gave no error lines and the message asks nothing', async () => {
    const { say } = testPipeline();
    const outcome = await say('look at this view from my hike', { attachments, attachmentText: [] });
    expect(outcome.reply).toBeUndefined();
  });

  it('warns about a key found in a text attachment, as for a key in the message', async () => {
    const { say } = testPipeline();
    const openRouter = KEY_KINDS.find((k) => k.provider === 'OpenRouter')!;
    const outcome = await say('here is my log', {
      attachmentText: [{ ...file('message.txt', 'Error 401'), leakedKeys: [openRouter] }],
    });
    expect(outcome.intent).toBe('leaked-api-key');
    expect(outcome.reply).toContain('OpenRouter API key');
    expect(outcome.leakedKey).toBeDefined();
  });

  it('stores only the message text of an unanswered request, nothing from its attachments', async () => {
    const { say, store } = testPipeline();
    await say('hm??', { attachmentText: [file('message.txt', 'Error: the flux capacitor overheated')] });
    expect(store.stats('g1', 30).unanswered.map((row) => row.text)).toEqual(['hm??']);
  });

  it('keeps mention syntax in a quoted line from pinging anyone', async () => {
    const { say } = testPipeline();
    const outcome = await say('help', { attachmentText: [screenshot(`@everyone ${TERMINAL_401}`)] });
    expect(outcome.reply).toContain('@\u200beveryone');
  });
});

describe('attachmentQuote', () => {
  const { classifier } = realKnowledge();

  it('picks the line that points most to the answered entry, and keeps it on one line without backticks', () => {
    const quote = attachmentQuote(
      'error-401-unauthorized',
      [file('my_log.txt', 'Streaming request failed', 'Error 401: `No auth credentials found`')],
      classifier,
    );
    expect(quote).toBe("From your my-log.txt: `Error 401: 'No auth credentials found'`");
  });

  it('gives nothing when no line relates to the answer', () => {
    expect(
      attachmentQuote('error-401-unauthorized', [file('a.txt', 'Exception in thread main')], classifier),
    ).toBeUndefined();
  });
});
