// `npm run kb:stale` and `/kb status`: which answers moderators should re-verify.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  describeStale,
  parseSeenVersions,
  staleEntries,
} from '../../src/knowledge/staleness.ts';

const NOW = new Date('2026-12-02T12:00:00Z');

const entry = (id: string, lastVerified: string, sillytavern?: string) => ({
  id,
  lastVerified,
  verifiedAgainst: sillytavern ? { sillytavern } : { openrouter_docs: '2026-08' },
});

describe('staleEntries', () => {
  it('lists an entry verified longer ago than the limit, with its age', () => {
    const stale = staleEntries(
      [entry('old', '2026-07-01', '1.18.0'), entry('fresh', '2026-11-28', '1.18.0')],
      {
        now: NOW,
        seenVersions: ['1.18.0'],
      },
    );
    expect(stale).toEqual([{ id: 'old', lastVerified: '2026-07-01', reasons: ['verified 154 days ago'] }]);
  });

  it('takes the limit in days from the caller', () => {
    const entries = [entry('a', '2026-11-20', '1.18.0')];
    expect(staleEntries(entries, { now: NOW, maxAgeDays: 30, seenVersions: [] })).toEqual([]);
    expect(staleEntries(entries, { now: NOW, maxAgeDays: 7, seenVersions: [] })).toHaveLength(1);
  });

  it('lists an entry verified against a SillyTavern older than the newest version in use', () => {
    const stale = staleEntries([entry('behind', '2026-11-28', '1.17.0')], {
      now: NOW,
      seenVersions: ['1.16.2', '1.18.0'],
    });
    expect(stale[0]?.reasons).toEqual(['verified against SillyTavern 1.17.0; 1.18.0 is in use']);
  });

  it('compares versions as numbers, so 1.9.0 is older than 1.10.0', () => {
    expect(compareVersions('1.9.0', '1.10.0')).toBeLessThan(0);
    const stale = staleEntries([entry('e', '2026-11-28', '1.9.0')], { now: NOW, seenVersions: ['1.10.0'] });
    expect(stale).toHaveLength(1);
  });

  it('does not judge by version an entry verified only against the OpenRouter docs', () => {
    expect(staleEntries([entry('or-only', '2026-11-28')], { now: NOW, seenVersions: ['1.18.0'] })).toEqual(
      [],
    );
  });

  it('gives both reasons, oldest verification first', () => {
    const stale = staleEntries([entry('b', '2026-06-01', '1.18.0'), entry('a', '2026-01-01', '1.16.0')], {
      now: NOW,
      seenVersions: ['1.18.0'],
    });
    expect(stale.map((s) => s.id)).toEqual(['a', 'b']);
    expect(stale[0]?.reasons).toHaveLength(2);
  });

  it('says plainly when nothing is stale', () => {
    expect(describeStale([])).toEqual([
      'No stale entries (all verified within 120 days and against the versions in use).',
    ]);
  });
});

describe('_versions.md', () => {
  it('reads one version per list item and ignores the notes around them', () => {
    const parsed = parseSeenVersions('# Versions\nSome notes - with a dash.\n\n- 1.18.0\n* 1.17.0\n');
    expect(parsed).toEqual({ versions: ['1.18.0', '1.17.0'], problems: [] });
  });

  it('names the line of a list item that is not a version', () => {
    expect(parseSeenVersions('# Versions\n- 1.18\n').problems).toEqual([
      '_versions.md: line 2: "1.18" is not a version like 1.18.0',
    ]);
  });
});

describe('npm run kb:stale', () => {
  /** A copy of one shipped entry with another verification date and version, beside _versions.md. */
  function folderWith(lastVerified: string, sillytavern: string, versions: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-stale-'));
    const source = readFileSync('knowledge/error-402-credits.md', 'utf8')
      .replace(/^last_verified: .*$/m, `last_verified: ${lastVerified}`)
      .replace(/^ {2}sillytavern: .*$/m, `  sillytavern: '${sillytavern}'`);
    writeFileSync(path.join(dir, 'error-402-credits.md'), source);
    writeFileSync(path.join(dir, '_versions.md'), versions);
    return dir;
  }

  const kbStale = (args: string[]) => {
    const run = spawnSync('node_modules/.bin/tsx', ['src/cli/kb-stale.ts', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, DOTENV_CONFIG_PATH: path.join(tmpdir(), 'no-such.env') },
    });
    return { status: run.status, out: run.stdout, err: run.stderr };
  };

  it('lists the entries to re-verify and still exits 0', () => {
    const dir = folderWith('2020-01-01', '1.17.0', '- 1.18.0\n');
    const run = kbStale([dir]);
    expect(run.status).toBe(0);
    expect(run.out).toMatch(/^1 entry to re-verify:$/m);
    expect(run.out).toMatch(
      /^- error-402-credits: verified \d+ days ago; verified against SillyTavern 1\.17\.0; 1\.18\.0 is in use$/m,
    );
  });

  it('takes --days for a stricter age limit', () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const dir = folderWith(yesterday, '1.18.0', '- 1.18.0\n');
    expect(kbStale(['--days', '0', dir]).out).toMatch(/^- error-402-credits: verified 1 day ago$/m);
  });
});
