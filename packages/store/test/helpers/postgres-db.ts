import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The throwaway cluster the test run's global setup started (see vitest.global-setup.ts). */
export function testClusterUrl(): string {
  const url = process.env.STEMMA_TEST_PG_URL
  if (!url) throw new Error('STEMMA_TEST_PG_URL is not set: the global test setup starts PostgreSQL.')
  return url
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testClusterUrl() })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh, empty database on the test cluster, so each test starts from nothing. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  const url = new URL(testClusterUrl())
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  }
}
