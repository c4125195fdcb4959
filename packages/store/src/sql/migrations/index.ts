import type { Db } from '../db.js'
import type { SqlDialect } from '../dialect.js'
import { initialSchema } from './001_initial.js'
import { seriesTail } from './002_series_tail.js'
import { chunkPrefix } from './003_chunk_prefix.js'

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
]

/** Applies the migrations a database has not seen yet, each in its own transaction. */
export function migrate(db: Db, now: number): number[] {
  db.driver.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version ${db.dialect.types.int} PRIMARY KEY, name ${db.dialect.types.text} NOT NULL, applied_at ${db.dialect.types.real} NOT NULL)`,
  )
  const done = new Set(
    db.all<{ version: number }>('SELECT version FROM schema_migrations').map((r) => r.version),
  )
  const applied: number[] = []
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    db.tx(() => {
      for (const sql of m.statements(db.dialect)) db.driver.exec(sql)
      db.run(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        m.version,
        m.name,
        now,
      )
    })
    applied.push(m.version)
  }
  return applied
}
