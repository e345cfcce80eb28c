import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests start real HTTP simulators and databases: give them room, run files in parallel
    // processes but keep each file's tests sequential. Files named *.serial.test.ts measure timing
    // (rate windows, a killed worker) and run afterwards, one at a time: see package.json "test".
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    sequence: { concurrent: false },
  },
});
