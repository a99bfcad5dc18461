// `npm run bench` works in a fresh clone: its default file is in the repository, and a file that
// does not exist gets one plain line instead of a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function bench(args: string[]) {
  const run = spawnSync('node_modules/.bin/tsx', ['tools/bench.ts', ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env') },
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

describe('npm run bench', () => {
  it('measures on a labeled file that is part of the repository when given none', () => {
    const run = bench(['--help']);
    expect(run.status).toBe(0);
    const defaultFile = /default (\S+)\)/.exec(run.out)?.[1] ?? '';
    expect(defaultFile).toBe(path.join('eval', 'holdout-synthetic.jsonl'));
    expect(existsSync(defaultFile)).toBe(true);
  });

  it('says in one line which file is missing, without a stack trace', () => {
    const run = bench(['eval/no-such-file.jsonl']);
    expect(run.status).toBe(1);
    expect(run.err.trim().split('\n')).toEqual([
      'bench: no file eval/no-such-file.jsonl; give a labeled JSONL file: npm run bench -- [--json] [FILE]',
    ]);
    expect(run.err).not.toContain('ENOENT');
  });
});
