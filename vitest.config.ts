import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests spawn the CLI and servers: two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
