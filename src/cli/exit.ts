// Shared by the command-line entry points: fail loudly, listing every problem at once.
import { type Config, loadConfig } from '../config.ts';

export function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

/** The validated configuration, or exit 1 with one line per problem (values are never printed). */
export function configOrExit(): Config {
  const loaded = loadConfig();
  if (!loaded.ok) {
    fail(['The configuration has problems (see .env.example):', ...loaded.problems.map((p) => `  - ${p}`)]);
  }
  return loaded.config;
}
