import Database from 'better-sqlite3'
import type { Store } from './ports.js'
import { sqliteDialect } from './sql/dialect.js'
import { migrate } from './sql/migrations/index.js'
import { SqliteDatabase } from './sql/sqlite-executor.js'
import { storeOver } from './store-parts.js'

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a throwaway store. */
  path: string
}

/** Opens (creating and migrating as needed) the embedded SQLite store. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const driver = new Database(options.path)
  for (const sql of sqliteDialect.connectionSetup) driver.exec(sql)
  const db = new SqliteDatabase(driver)
  try {
    await migrate(db, Date.now())
  } catch (err) {
    await db.close()
    throw err
  }
  return storeOver(db)
}
