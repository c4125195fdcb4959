import Database from 'better-sqlite3'
import { SqlAuthRepository } from './auth-repository.js'
import { createContext } from './context.js'
import { SqlHistoryRepository } from './history/history-repository.js'
import type { Store } from './ports.js'
import { SqlRunRepository } from './runs/run-repository.js'
import { Db, type Driver } from './sql/db.js'
import { sqliteDialect } from './sql/dialect.js'
import { migrate } from './sql/migrations/index.js'

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a throwaway store. */
  path: string
}

/** Opens (creating and migrating as needed) the embedded SQLite store. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const driver = new Database(options.path)
  for (const sql of sqliteDialect.connectionSetup) driver.exec(sql)
  const db = new Db(driver as unknown as Driver, sqliteDialect)
  migrate(db, Date.now())
  const ctx = createContext(db)
  return {
    dialect: 'sqlite',
    auth: new SqlAuthRepository(db),
    runs: new SqlRunRepository(ctx),
    history: new SqlHistoryRepository(ctx),
    close: async () => {
      if (driver.open) driver.close()
    },
  }
}
