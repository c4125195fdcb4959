import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPostgresStore, openSqliteStore, type Store } from '../src/index.js'
import { createTestDatabase } from './helpers/postgres-db.js'

/** Every dialect the contract suite runs against. */
export interface TestDialect {
  name: string
  /**
   * Whether several server processes can share one database: then `second` opens another store on
   * it, as a second replica would. (SQLite is one process's embedded database.)
   */
  replicas: boolean
  open(): Promise<{ store: Store; cleanup(): Promise<void>; second?(): Promise<Store> }>
}

export const DIALECTS: TestDialect[] = [
  {
    name: 'sqlite (file)',
    replicas: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'stemma-store-'))
      const store = await openSqliteStore({ path: join(dir, 'stemma.db') })
      return {
        store,
        cleanup: async () => {
          await store.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'sqlite (:memory:)',
    replicas: false,
    async open() {
      const store = await openSqliteStore({ path: ':memory:' })
      return { store, cleanup: () => store.close() }
    },
  },
  {
    name: 'postgres',
    replicas: true,
    async open() {
      const db = await createTestDatabase()
      const store = await openPostgresStore({ url: db.url, maxConnections: 4 })
      const others: Store[] = []
      return {
        store,
        second: async () =>
          others[others.push(await openPostgresStore({ url: db.url, maxConnections: 4 })) - 1]!,
        cleanup: async () => {
          for (const s of [store, ...others]) await s.close()
          await db.drop()
        },
      }
    },
  },
]
