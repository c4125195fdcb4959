import { StemmaError } from '@stemma/core'
import type { Executor } from '../executor.js'
import type { SqlDialect } from '../dialect.js'
import { initialSchema } from './001_initial.js'
import { seriesTail } from './002_series_tail.js'
import { chunkPrefix } from './003_chunk_prefix.js'
import { numberTag } from './004_number_tag.js'
import { serverSecrets } from './005_server_secrets.js'
import { runAlerts } from './006_run_alerts.js'
import { runFiles } from './007_run_files.js'
import { consoleLineNumbers } from './008_console_line_numbers.js'

export interface Migration {
  version: number
  name: string
  statements(dialect: SqlDialect): string[]
}

/** Append only: a released migration is never edited, a change is a new number. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', statements: initialSchema },
  { version: 2, name: 'series tail', statements: seriesTail },
  { version: 3, name: 'chunk prefix aggregates', statements: chunkPrefix },
  { version: 4, name: 'number tag without NUL', statements: numberTag },
  { version: 5, name: 'server secrets', statements: serverSecrets },
  { version: 6, name: 'run alerts', statements: runAlerts },
  { version: 7, name: 'run files', statements: runFiles },
  { version: 8, name: 'console line numbers', statements: consoleLineNumbers },
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

/**
 * Applies the migrations a database has not seen yet, all in one transaction. `lock` (PostgreSQL's
 * transaction-scoped advisory lock) makes replicas that start together take turns: the first
 * migrates, the others then find nothing left to do. A database migrated by a newer release is
 * refused rather than written with an older idea of the schema.
 */
export async function migrate(db: Executor, now: number, lock?: string): Promise<number[]> {
  const { int, text, real } = db.dialect.types
  return db.tx(async (tx) => {
    if (lock) await tx.get(lock)
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version ${int} PRIMARY KEY, name ${text} NOT NULL, applied_at ${real} NOT NULL)`,
    )
    const done = new Set(
      (await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    )
    const newest = Math.max(0, ...done)
    if (newest > SCHEMA_VERSION) {
      throw new StemmaError(
        'UNAVAILABLE',
        `The database schema is at version ${newest}, newer than this stemma's ${SCHEMA_VERSION}; upgrade stemma before starting it on this database.`,
      )
    }
    const applied: number[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      for (const sql of m.statements(db.dialect)) await tx.exec(sql)
      await tx.run(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        m.version,
        m.name,
        now,
      )
      applied.push(m.version)
    }
    return applied
  })
}
