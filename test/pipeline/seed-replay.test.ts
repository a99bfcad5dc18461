import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/pipeline/types.ts';
import { testPipeline } from '../support/pipeline.ts';
import { SEED_TURNS } from '../support/seed.ts';

const FOOTER = '-# This is an automated response. Use !mute to stop the bot from responding.';

describe('the seed conversation', () => {
  it('replays through the pipeline: 401 answer, 400 answer, then the 400 Why section', async () => {
    // The asker sees three replies, each ending with the footer, the last one explaining why.
    const { say, knowledge } = testPipeline();
    const outcomes: Outcome[] = [];
    for (const turn of SEED_TURNS) outcomes.push(await say(turn.text));
    SEED_TURNS.forEach((turn, i) => {
      expect(outcomes[i]?.intent).toBe(turn.intent);
      expect(outcomes[i]?.kind).toBe(turn.kind);
      expect(outcomes[i]?.reply?.endsWith(FOOTER)).toBe(true);
    });
    const why = knowledge.kb.byId.get('error-400-invalid-key')?.sections.why ?? '';
    expect(outcomes[2]?.reply).toContain(why.slice(0, 80));
  });

  it('replays through `npm run chat -- --json` with piped stdin, one JSON object per line', () => {
    // What a developer sees when trying the bot in the terminal.
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-'));
    const input = `${SEED_TURNS.map((t) => t.text).join('\n')}\n`;
    const run = spawnSync('node_modules/.bin/tsx', ['src/cli/chat.ts', '--json'], {
      input,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        DATABASE_PATH: path.join(dir, 'bot.sqlite'),
        DOTENV_CONFIG_PATH: path.join(dir, 'none.env'),
      },
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    SEED_TURNS.forEach((turn, i) => {
      expect(lines[i]).toMatchObject({ input: turn.text, intent: turn.intent, kind: turn.kind });
      expect(lines[i].reply).toContain(FOOTER);
      expect(Object.keys(lines[i]).sort()).toEqual(['confidence', 'input', 'intent', 'kind', 'reply']);
    });
  });
});
