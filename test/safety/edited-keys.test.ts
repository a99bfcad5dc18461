// A key pasted into an edit is as public as one in a new message.
import { describe, expect, it } from 'vitest';
import { testPipeline } from '../support/pipeline.ts';
import { fakeKeys } from './support.ts';

const KEY = fakeKeys()[0]?.key ?? '';

describe('edited messages', () => {
  it('warns about a key that was added by editing a message', async () => {
    // The author sees the leaked-key warning after the edit, just as for a new message.
    const { pipeline, message } = testPipeline();
    const original = message('my key is not working, 401');
    await pipeline.handle(original);
    const outcome = pipeline.handleEdit({ ...original, content: `my key is ${KEY}, 401` });
    expect(outcome).toMatchObject({ kind: 'warning', intent: 'leaked-api-key' });
    expect(outcome.reply).not.toContain(KEY);
  });

  it('warns only once per message, even when Discord sends more edits (link previews)', async () => {
    // One warning, not a second one when the message is updated again.
    const { pipeline, message } = testPipeline();
    const withKey = message(`here: ${KEY}`);
    expect((await pipeline.handle(withKey)).intent).toBe('leaked-api-key');
    expect(pipeline.handleEdit(withKey).reply).toBeUndefined();
  });

  it('never answers an edit that has no key', () => {
    // Editing a question does not bring a second answer.
    const { pipeline, message } = testPipeline();
    const outcome = pipeline.handleEdit(
      message('{"error":{"message":"No auth credentials found","code":401}}'),
    );
    expect(outcome).toMatchObject({ kind: 'silent', reason: 'ignored: edited message' });
  });

  it('ignores edits by bots and webhooks', () => {
    const { pipeline, message } = testPipeline();
    const outcome = pipeline.handleEdit(
      message(`relay: ${KEY}`, { author: { id: 'b', displayName: 'Bot', isBot: true, roles: [] } }),
    );
    expect(outcome.reply).toBeUndefined();
  });
});
