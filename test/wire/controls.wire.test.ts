// Moderator and asker controls on the wire: the real bot process (`npm start`) against the fake
// Discord server, with slash commands and button presses arriving as INTERACTION_CREATE. One bot
// for the file; each test acts as members of its own.
import { describe, expect, it } from 'vitest';
import { FEEDBACK_REPLIES } from '../../src/discord/feedback.ts';
import { INTERACTION_REPLIES } from '../../src/discord/interactions.ts';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import type { BotProcess } from '../../tools/wire/bot-process.ts';
import type { BotMessage, FakeDiscord } from '../../tools/wire/fake-discord.ts';
import { useSharedBot } from './harness.ts';

const WAIT = 10_000;
const PASTED_401 =
  'help, every message fails with this:\n{"error":{"message":"No auth credentials found","code":401}}';

let discord: FakeDiscord;
let bot: BotProcess;
let newMember: () => string;
useSharedBot({}, (shared) => {
  ({ discord, bot, newMember } = shared);
});

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;

/** The custom id of the button labelled `label` on a bot message. */
function buttonId(message: BotMessage, label: string): string {
  const rows = message.components as { components: { label?: string; custom_id?: string }[] }[];
  const button = rows.flatMap((row) => row.components).find((c) => c.label === label);
  if (!button?.custom_id) throw new Error(`no ${label} button on ${message.id}`);
  return button.custom_id;
}

describe('slash commands on the wire', () => {
  it('answers /mute privately and then ignores the caller', async () => {
    const alice = newMember();
    const interaction = discord.slashCommand({ name: 'mute', user: alice });
    const response = await discord.waitForInteractionResponse(interaction.id, WAIT);
    expect(response.ephemeral).toBe(true);
    expect(response.data?.content).toBe(MUTE_REPLIES.muted);

    const question = discord.postMessage({ channel: 'sillytavern', author: alice, content: PASTED_401 });
    const handled = await bot.waitForLog(
      (l) => l.msg === 'handled message' && l.messageId === question.id,
      WAIT,
    );
    expect(handled.json?.reason).toMatch(/muted/);
  });

  it('refuses /bot pause privately to a member without Manage Messages', async () => {
    const interaction = discord.slashCommand({
      name: 'bot',
      user: newMember(),
      options: [{ name: 'pause', type: 1 }],
    });
    const response = await discord.waitForInteractionResponse(interaction.id, WAIT);
    expect(response.ephemeral).toBe(true);
    expect(response.data?.content).toBe(INTERACTION_REPLIES.moderatorsOnly('bot'));
  });
});

describe('feedback buttons on the wire', () => {
  it('lets only the asker (or a moderator) dismiss an answer', async () => {
    const [alice, bob] = [newMember(), newMember()];
    const question = discord.postMessage({ channel: 'sillytavern', author: alice, content: PASTED_401 });
    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    const dismiss = buttonId(answer, 'Dismiss');

    const byBob = discord.pressButton({ message: answer.id, customId: dismiss, user: bob });
    const refused = await discord.waitForInteractionResponse(byBob.id, WAIT);
    expect(refused.ephemeral).toBe(true);
    expect(refused.data?.content).toBe(FEEDBACK_REPLIES.onlyAsker);
    expect(answer.deleted).toBe(false);

    const byAlice = discord.pressButton({ message: answer.id, customId: dismiss, user: alice });
    const done = await discord.waitForInteractionResponse(byAlice.id, WAIT);
    expect(done.ephemeral).toBe(true);
    expect(done.data?.content).toBe(FEEDBACK_REPLIES.dismissed);
    expect(answer.deleted).toBe(true);
  });

  it('deletes the answer when the asker deletes the question', async () => {
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: newMember(),
      content: PASTED_401,
    });
    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    // Deleted the moment the answer appears: the bot may not have finished sending it yet.
    discord.deleteMessage(question.id);
    await bot.waitForLog((l) => l.msg === 'question deleted; deleted its answer', WAIT);
    expect(answer.deleted).toBe(true);
  });
});
