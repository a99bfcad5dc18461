// /kb status lists the answers to re-verify, as `npm run kb:stale` does, privately.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness, isEphemeral, MOD_ID, MODERATOR } from '../support/interactions.ts';

const asModerator = { user: MOD_ID, permissions: MODERATOR };

/** Two shipped entries: one re-dated and re-versioned as given, one verified yesterday on 1.18.0. */
function knowledgeFolder(old: { lastVerified: string; sillytavern: string }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kb-status-'));
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const copy = (id: string, lastVerified: string, sillytavern: string) =>
    writeFileSync(
      path.join(dir, `${id}.md`),
      readFileSync(`knowledge/${id}.md`, 'utf8')
        .replace(/^last_verified: .*$/m, `last_verified: ${lastVerified}`)
        .replace(/^ {2}sillytavern: .*$/m, `  sillytavern: '${sillytavern}'`),
    );
  copy('error-402-credits', old.lastVerified, old.sillytavern);
  copy('error-429-rate-limit', yesterday, '1.18.0');
  writeFileSync(path.join(dir, '_versions.md'), '# In use\n- 1.18.0\n');
  return dir;
}

let h: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
});

describe('/kb status', () => {
  it('lists an entry verified long ago against an older SillyTavern, with both reasons', async () => {
    h = await createHarness({
      knowledgeDir: knowledgeFolder({ lastVerified: '2025-01-10', sillytavern: '1.16.0' }),
    });
    const answer = await h.slash('kb', { sub: 'status', ...asModerator });
    expect(isEphemeral(answer)).toBe(true);
    expect(answer.content).toContain('1 entry to re-verify:');
    expect(answer.content).toMatch(
      /^- error-402-credits: verified \d+ days ago; verified against SillyTavern 1\.16\.0; 1\.18\.0 is in use$/m,
    );
    expect(answer.content).not.toContain('error-429-rate-limit');
  });

  it('says that nothing is stale when every entry is recent and current', async () => {
    const today = new Date().toISOString().slice(0, 10);
    h = await createHarness({
      knowledgeDir: knowledgeFolder({ lastVerified: today, sillytavern: '1.18.0' }),
    });
    const answer = await h.slash('kb', { sub: 'status', ...asModerator });
    expect(answer.content).toContain('No stale entries');
    expect(answer.content).toContain('Entries in service: 2');
  });
});
