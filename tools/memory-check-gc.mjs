// Preloaded into the bot process by tools/memory-check.ts (NODE_OPTIONS=--import): on SIGUSR2
// it runs a full garbage collection, so that RSS samples compare retained memory rather than
// wherever V8's collection cycle happens to be. It changes nothing else in the bot.
import { writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
process.on('SIGUSR2', () => {
  gc();
  gc();
  writeSync(2, `memory-check-gc: collected ${process.pid}\n`);
});
writeSync(2, `memory-check-gc: ready ${process.pid}\n`);
