import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Wire tests start real bot processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // Test files share each worker's module cache: re-importing discord.js and the bot's modules for
    // every file cost more than half of the in-process tests' time. So a test must leave no module
    // state behind (spies restored, no mutation of the shared realKnowledge()).
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
