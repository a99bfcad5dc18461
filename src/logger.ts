// pino writes JSON lines; known secrets are cut out of every line before it is written,
// whatever field or message they hide in.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { redactKeys } from './safety/leaked-keys.ts';

export type { Logger };

export function createLogger(
  options: { level?: string; secrets?: string[]; destination?: NodeJS.WritableStream } = {},
): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const out = options.destination ?? process.stdout;
  const redacting = new Writable({
    write(chunk, _encoding, done) {
      let line = String(chunk);
      for (const secret of secrets) line = line.split(secret).join('[REDACTED]');
      out.write(redactKeys(line));
      done();
    },
  });
  return pino({ level: options.level ?? 'info', base: undefined }, redacting);
}

/** A logger that writes nothing, for tests and the console chat. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
