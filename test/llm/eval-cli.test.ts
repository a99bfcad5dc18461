// `npm run eval -- FILE --llm`: the same report with the LLM judge on, plus what it costs and
// changes; without --llm the report is exactly what it always was.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, pick, startFakeOpenAi } from './fake-openai.ts';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'eval-llm-'));
const CASES = path.join(dir, 'cases.jsonl');
writeFileSync(
  CASES,
  [
    { id: 'a', text: 'the model keeps saying the same thing, help?', intent: 'repetitive-output' },
    { id: 'b', text: 'my key stopped working, what now?', intent: 'error-401-unauthorized' },
    { id: 'c', text: 'thanks, works now', intent: 'none' },
  ]
    .map((c) => JSON.stringify(c))
    .join('\n'),
);

async function evaluate(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', ['src/cli/eval.ts', CASES, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: path.join(dir, 'none.env'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let server: FakeOpenAi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('npm run eval -- FILE --llm', () => {
  it('says that --llm needs LLM_API_KEY when it is not set', async () => {
    // The person running the evaluation learns what to set instead of getting local figures.
    const result = await evaluate(['--llm']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--llm needs LLM_API_KEY');
  });

  it('adds calls per 100 messages and the changed share, and leaves the rest as without --llm', async () => {
    // With a model that always says "none", every figure is the local one and nothing changed.
    server = await startFakeOpenAi();
    server.answer(pick('none'));
    const local = await evaluate(['--json']);
    const withLlm = await evaluate(['--json', '--llm'], {
      LLM_API_KEY: 'sk-test-0123456789',
      LLM_BASE_URL: server.baseURL,
    });
    expect(withLlm.code).toBe(0);
    const localJson = JSON.parse(local.stdout.trim().split('\n').at(-1)!);
    const llmJson = JSON.parse(withLlm.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(localJson)).not.toContain('llm_calls_per_100_messages');
    expect(llmJson).toEqual({
      ...localJson,
      llm_calls_per_100_messages: Math.round((server.requests.length / 3) * 1000) / 10,
      llm_changed_share: 0,
    });
    // Every other line is the same, in the same place: only the llm lines are added.
    const report = (stdout: string) => stdout.split('\n').filter((line) => !line.startsWith('{'));
    expect(report(withLlm.stdout).filter((line) => !line.startsWith('llm'))).toEqual(report(local.stdout));
  });
});
