import { defineConfig } from 'vitest/config';

// Integration tests run real brokers, kcat and KafkaJS processes: generous timeouts, and
// at most two files at once on this 2-core machine class.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { GREGOR_LOG_LEVEL: process.env.GREGOR_LOG_LEVEL ?? 'silent' },
  },
});
