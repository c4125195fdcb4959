import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))

// Tests run against sources, so `vitest run` needs no build step first.
export default defineConfig({
  resolve: {
    alias: {
      '@stemma/core': pkg('core'),
      '@stemma/store': pkg('store'),
      '@stemma/server': pkg('server'),
      '@stemma/sdk': pkg('sdk'),
      '@stemma/cli': pkg('cli'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./vitest.global-setup.ts'],
    reporters: ['default', './vitest.summary-reporter.ts'],
  },
})
