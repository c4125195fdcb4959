import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { startPostgresCluster, type PostgresCluster } from './scripts/postgres-cluster.mjs'

let cluster: PostgresCluster | undefined

/**
 * Tests that spawn the CLI or a training script, or open the web app, run the compiled packages; building here once
 * keeps `npx vitest run` self-sufficient (tsc -b is incremental, so this is quick when up to date).
 * Then one throwaway PostgreSQL cluster serves every test that needs one, each in its own
 * database; its URL reaches the test processes as STEMMA_TEST_PG_URL.
 */
export default async function setup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'packages/cli', 'packages/sdk'], {
    stdio: 'inherit',
  })
  // The browser tests load the built web app from the server the CLI starts.
  execFileSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: 'packages/web',
    stdio: 'inherit',
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (!process.env.STEMMA_TEST_PG_URL) {
    cluster = await startPostgresCluster()
    process.env.STEMMA_TEST_PG_URL = cluster.url
    process.env.STEMMA_TEST_PG_DIR = cluster.dir
  }
  return () => cluster?.destroy()
}
