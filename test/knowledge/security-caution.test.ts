import { describe, expect, it } from 'vitest';
import { securityCautionProblems, stepsOf } from '../../src/knowledge/security-caution.ts';

/** The problems kb:check reports for an entry whose ## Fix section is this text. */
const problemsOfFix = (fix: string) =>
  securityCautionProblems({ answer: 'See the steps.', sections: { why: 'Because.', fix } }, 'entry.md');

describe('the security caution rule of kb:check', () => {
  it('fails an entry that suggests allowKeysExposure: true without a caution', () => {
    const problems = problemsOfFix(
      '1. Paste the key and click **Connect**.\n2. Set `allowKeysExposure: true` in `config.yaml` and use **View hidden API keys**.',
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^entry\.md: ## fix: the step "2\. Set `allowKeysExposure: true`.*" suggests allowKeysExposure without a caution/,
      ),
    ]);
  });

  it('passes the same step when it says to turn the setting off again', () => {
    const problems = problemsOfFix(
      '1. Paste the key and click **Connect**.\n2. Set `allowKeysExposure: true` in `config.yaml`, check the key, then turn it off again: anyone who reaches the UI can read your keys.',
    );
    expect(problems).toEqual([]);
  });

  it('does not accept a caution that sits in another step', () => {
    // Askers follow the step they are on; a warning two steps later comes too late.
    const problems = problemsOfFix(
      '1. Set `allowKeysExposure: true` and restart.\n2. Open **View hidden API keys**.\n3. Warning: this is a security risk.',
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"1. Set `allowKeysExposure: true`');
  });

  it('accepts a caution in a bullet under the numbered step', () => {
    const problems = problemsOfFix(
      '1. Set `whitelistMode: false` in `config.yaml`.\n   - Only on a trusted home network.',
    );
    expect(problems).toEqual([]);
  });

  it.each([
    ['disableCsrf', 'Start with `--disableCsrf` to test. This is not recommended; remove it when done.'],
    ['disableCsrf', 'Set `disableCsrf: true` only on a trusted machine.'],
    ['disableCsrf', 'Warning: `disableCsrf` lets other sites send requests to your SillyTavern.'],
    ['disableCsrf', '`disableCsrf: true` is a security risk.'],
    ['Basic Auth', 'Set `basicAuthMode: true`. Over plain HTTP the password travels in clear text.'],
    ['whitelistMode: false', 'Set `whitelistMode: false` and turn it off again when you are done.'],
  ])('accepts a reasonable caution next to %s: "%s"', (_advice, paragraph) => {
    expect(problemsOfFix(paragraph)).toEqual([]);
  });

  it.each([
    ['disableCsrf', 'Start SillyTavern with `--disableCsrf`.'],
    ['Basic Auth', 'Set `basicAuthMode: true` and share the password with your friends.'],
    ['whitelistMode: false', 'Set `whitelistMode: false` so your phone can connect.'],
    ['port forwarding', 'Forward port 8000 on your router (port forwarding) to reach it from outside.'],
  ])('fails %s without a caution: "%s"', (advice, paragraph) => {
    expect(problemsOfFix(paragraph)).toEqual([
      expect.stringContaining(`suggests ${advice} without a caution`),
    ]);
  });

  it.each([
    'Use Tailscale or another VPN, not router port forwarding.',
    "Don't port forward 8000; use a tunnel.",
  ])('does not count advice against port forwarding as advice to do it: "%s"', (paragraph) => {
    expect(problemsOfFix(paragraph)).toEqual([]);
  });

  it('recognises whitelistMode set to false in other wordings', () => {
    expect(problemsOfFix('Set `whitelistMode` to `false` and restart.')).toHaveLength(1);
    expect(problemsOfFix('Turn off `whitelistMode` and restart.')).toHaveLength(1);
    expect(problemsOfFix('Keep `whitelistMode: true` and add your IP.')).toEqual([]);
  });

  it('checks the answer as well as the follow-up sections', () => {
    const problems = securityCautionProblems(
      { answer: 'Turn on `allowKeysExposure` to see the key.', sections: { why: 'x', fix: 'y' } },
      'entry.md',
    );
    expect(problems).toEqual([expect.stringMatching(/^entry\.md: answer: /)]);
  });

  it('splits a text into paragraphs and numbered steps, bullets staying with their step', () => {
    expect(stepsOf('Intro line.\n\n1. First.\n   - detail\n2. Second.\nmore of second')).toEqual([
      'Intro line.',
      '1. First.\n   - detail',
      '2. Second.\nmore of second',
    ]);
  });
});
