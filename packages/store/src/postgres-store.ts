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

/** Why the store could not open, in words an operator can act on; the URL itself stays out. */
function startFailure(err: unknown): StemmaError {
  // Our own refusals (a schema newer than this release) already say what to do.
  if (err instanceof StemmaError && err.details?.cause === undefined) return err
  const code = (err as { code?: string }).code
  const unreachable = err instanceof StemmaError ? (err.details!.cause as string) : undefined
  const why =
    unreachable !== undefined
      ? `cannot reach PostgreSQL (${unreachable})`
      : code?.startsWith('28')
        ? `PostgreSQL refused the login (${code})`
        : code === '3D000'
          ? 'the database named in the URL does not exist (3D000)'
          : `PostgreSQL failed to open the store (${code ?? 'error'})`
  return new StemmaError(
    'UNAVAILABLE',
    `${why}; check the database URL (--database-url or STEMMA_DATABASE_URL).`,
  )
}

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
    throw startFailure(err)
  }
  return storeOver(db)
}
