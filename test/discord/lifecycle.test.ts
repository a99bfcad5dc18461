import { describe, expect, it } from 'vitest';
import { fatalCloseMessage, loginFailureMessage } from '../../src/discord/lifecycle.ts';
import { tolerateNulls } from '../../src/discord/tolerant-payloads.ts';

describe('what the operator reads when the bot cannot connect', () => {
  it('names DISCORD_TOKEN and where to reset it when the token is rejected', () => {
    // discord.js rejects login with TokenInvalid after a 401 from Discord.
    const line = loginFailureMessage(
      Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' }),
    );
    expect(line).toContain('DISCORD_TOKEN');
    expect(line).toContain('Bot page of the Discord Developer Portal');
  });

  it('names the Message Content Intent switch for close code 4014', () => {
    expect(fatalCloseMessage(4014)).toContain('Message Content Intent');
  });

  it('treats an ordinary close code as recoverable', () => {
    // 4000 (unknown error) and 1006 (network) are resumed by discord.js: no fatal line.
    expect(fatalCloseMessage(4000)).toBeUndefined();
    expect(fatalCloseMessage(1006)).toBeUndefined();
  });

  it('passes any other login failure on in one line', () => {
    expect(loginFailureMessage(new Error('connect ECONNREFUSED 127.0.0.1:9'))).toBe(
      'Could not log in to Discord: connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});

describe('payloads with null where discord.js expects nothing', () => {
  it('drops `thread: null` from the message inside a button press', () => {
    // discord.js would read null.id and crash before the bot's handler runs.
    const packet = { t: 'INTERACTION_CREATE', d: { message: { id: '1', thread: null, content: 'x' } } };
    expect(tolerateNulls(packet).d).toEqual({ message: { id: '1', content: 'x' } });
  });

  it('keeps a real thread object and leaves other events alone', () => {
    const thread = { id: '2', name: 't' };
    expect(tolerateNulls({ t: 'MESSAGE_CREATE', d: { id: '1', thread } }).d).toEqual({ id: '1', thread });
    const ready = { t: 'READY', d: { thread: null } };
    expect(tolerateNulls(ready).d).toEqual({ thread: null });
  });
});
