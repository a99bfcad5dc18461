// Teaching commands in-process: real discord.js interactions through the bot's own dispatcher,
// REST calls recorded instead of sent. Who may teach, what the entry picker offers, and that a
// moderator only ever sees their own server's taught examples and review queue.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEACHING_REPLIES } from '../../src/discord/teaching.ts';
import { ASKER_ID, BOT_ID, SUPPORT_ID, snowflake } from '../support/discord-payloads.ts';
import {
  createHarness,
  type Harness,
  isEphemeral,
  MEMBER,
  MOD_ID,
  MODERATOR,
} from '../support/interactions.ts';

const OTHER_GUILD = '100000000000000099';
const QUESTION = 'is there a way to make the bot read its replies out loud';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const userMessage = (content = QUESTION) => ({
  id: snowflake(),
  channelId: SUPPORT_ID,
  content,
  authorId: ASKER_ID,
});
const botAnswer = () => ({
  id: snowflake(),
  channelId: SUPPORT_ID,
  content: 'an answer',
  authorId: BOT_ID,
  bot: true,
});
const menus = (answer: {
  components?: { components: { type: number; options?: { value: string }[] }[] }[];
}) => (answer.components ?? []).flatMap((row) => row.components).filter((c) => c.type === 3);

describe('who may teach', () => {
  for (const name of ['Answer with…', "Shouldn't answer", 'Wrong entry']) {
    it(`refuses "${name}" privately to a member without Manage Messages, and changes nothing`, async () => {
      const target = name === 'Answer with…' ? userMessage() : botAnswer();
      const before = h.calls.length;
      const answer = await h.messageCommand(name, target, { user: ASKER_ID, permissions: MEMBER });
      expect(isEphemeral(answer)).toBe(true);
      expect(answer.content).toBe(TEACHING_REPLIES.moderatorsOnly);
      expect(answer.components ?? []).toEqual([]);
      // The refusal is the only call: nothing posted, deleted or fetched.
      expect(h.calls.slice(before).map((c) => c.method)).toEqual(['POST']);
      expect(h.context.store.taught.trainingTexts()).toEqual([]);
    });
  }
});

describe('Answer with…', () => {
  it('offers a moderator a private picker: best matches first, then every entry', async () => {
    const answer = await h.messageCommand('Answer with…', userMessage());
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toContain(QUESTION);
    const [best, ...all] = menus(answer);
    // The classifier's own best candidate comes first.
    const top = h.knowledge.current().classifier.classify(QUESTION).candidates[0]?.intent;
    expect(best?.options?.[0]?.value).toBe(top);
    const listed = all.flatMap((menu) => menu.options?.map((o) => o.value) ?? []);
    expect(listed.sort()).toEqual(
      h.knowledge
        .current()
        .kb.entries.map((e) => e.id)
        .sort(),
    );
    for (const menu of menus(answer)) expect(menu.options?.length).toBeLessThanOrEqual(25);
    expect(answer.components?.length).toBeLessThanOrEqual(5);
  });

  it("points to the other commands when used on a bot's message", async () => {
    const answer = await h.messageCommand('Answer with…', botAnswer());
    expect(answer.content).toBe(TEACHING_REPLIES.notOnBot);
  });
});

describe('/kb taught, /kb untrain and /kb review', () => {
  const asModerator = { user: MOD_ID, permissions: MODERATOR };
  const teachIn = (guildId: string, text: string) =>
    h.context.store.taught.teach({ guildId, kind: 'example', entry: 'tts', text, moderatorId: MOD_ID });

  it("lists this server's taught examples and none of another server's", async () => {
    teachIn(OTHER_GUILD, 'taught in another server');
    const mine = teachIn('100000000000000001', 'taught here');
    const answer = await h.slash('kb', { sub: 'taught', ...asModerator });
    expect(answer.content).toContain(`#${mine} answer with \`tts\`: “taught here”`);
    expect(answer.content).not.toContain('another server');
  });

  it("cannot untrain another server's example", async () => {
    const theirs = teachIn(OTHER_GUILD, 'taught in another server');
    const answer = await h.slash('kb', { sub: 'untrain', values: { id: theirs }, ...asModerator });
    expect(answer.content).toBe(`No taught example #${theirs} in this server (see /kb taught).`);
    expect(h.context.store.taught.trainingTexts()).toHaveLength(1);
  });

  it('untrains one of its own examples', async () => {
    const mine = teachIn('100000000000000001', 'taught here');
    const answer = await h.slash('kb', { sub: 'untrain', values: { id: mine }, ...asModerator });
    expect(answer.content).toMatch(new RegExp(`^Forgot taught example #${mine}`));
    expect(h.context.store.taught.trainingTexts()).toEqual([]);
  });

  it('shows the review queue of this server with Answer with… and Dismiss buttons', async () => {
    const unanswered = (guildId: string, text: string) =>
      h.context.store.recordUnanswered({
        guildId,
        channelId: SUPPORT_ID,
        userId: ASKER_ID,
        messageId: snowflake(),
        text,
        reason: 'silent: low confidence',
      });
    unanswered('100000000000000001', 'how do i make lorebooks trigger');
    unanswered('100000000000000001', 'how do i make lorebooks trigger');
    unanswered(OTHER_GUILD, 'question from another server');
    const answer = await h.slash('kb', { sub: 'review', ...asModerator });
    expect(answer.content).toContain('1. 2× unanswered: “how do i make lorebooks trigger”');
    expect(answer.content).not.toContain('another server');
    const labels = (answer.components ?? []).flatMap((row) =>
      row.components.map((c) => (c as { label?: string }).label),
    );
    expect(labels).toEqual(['1: Answer with…', '1: Dismiss']);
  });
});
