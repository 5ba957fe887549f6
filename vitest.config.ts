import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - unit: test/unit, no root, default pool, fast.
 * - integration: test/integration, real containers as root. One forked worker runs the files
 *   one after another (they share the host: cgroups, mounts, pids), with 30 s per test.
 *   The runtime under test is $HEZI_RUNTIME, else ./bin/hezi (see test/support/bundle.ts).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
