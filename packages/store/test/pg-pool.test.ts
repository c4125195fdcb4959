import { expect, it } from 'vitest'
import { PgDatabase } from '../src/sql/pg-executor.js'
import { createTestDatabase } from './helpers/postgres-db.js'

it('answers a statement that finds every pooled connection busy as unavailable, to be retried', async () => {
  const target = await createTestDatabase()
  const db = new PgDatabase({ connectionString: target.url, max: 1, connectTimeoutMs: 300 })
  try {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let held!: Promise<void>
    await new Promise<void>((started) => {
      held = db.tx(async () => {
        started()
        await gate
      })
    })
    // The one connection is in a transaction: the pool gives up waiting after 300 ms.
    await expect(db.get('SELECT 1 AS one')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { retryAfterS: 1, cause: 'POOL_EXHAUSTED' },
    })
    release()
    await held
    expect(await db.get('SELECT 1 AS one')).toEqual({ one: 1 })
  } finally {
    await db.close()
    await target.drop()
  }
})
