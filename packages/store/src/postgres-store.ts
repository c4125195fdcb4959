import { StemmaError } from '@stemma/core'
import type { Store } from './ports.js'
import { migrate } from './sql/migrations/index.js'
import { PgDatabase } from './sql/pg-executor.js'
import { storeOver } from './store-parts.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; never echoed in messages. */
  url: string
  /** Pooled connections per server process. */
  maxConnections?: number
}

/** Any 64-bit key is fine as long as every stemma process uses the same one. */
const MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock(7339261071) AS locked'

/**
 * Opens the PostgreSQL store: checks that the database answers, then migrates it (once, even when
 * several replicas start together). Fails with a message that names the problem but not the URL.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = new PgDatabase({ connectionString: options.url, max: options.maxConnections })
  try {
    await db.ping()
    await migrate(db, Date.now(), MIGRATION_LOCK)
  } catch (err) {
    await db.close().catch(() => {})
    if (err instanceof StemmaError) throw err
    const reason = (err as { code?: string }).code ?? 'error'
    throw new StemmaError('UNAVAILABLE', `PostgreSQL refused the connection or the migration (${reason}).`)
  }
  return storeOver(db)
}
