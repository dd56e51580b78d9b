import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own servers on port 0; two workers fit the 2-core machines we run on.
    maxWorkers: 2,
    // One temporary folder per run, removed at the end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
  },
});
