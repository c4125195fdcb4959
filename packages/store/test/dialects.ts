import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPostgresStore, openSqliteStore, type Store } from '../src/index.js'
import { createTestDatabase } from './helpers/postgres-db.js'

/** Every dialect the contract suite runs against. */
export interface TestDialect {
  name: string
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>
}

export const DIALECTS: TestDialect[] = [
  {
    name: 'sqlite (file)',
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
    async open() {
      const store = await openSqliteStore({ path: ':memory:' })
      return { store, cleanup: () => store.close() }
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase()
      const store = await openPostgresStore({ url: db.url, maxConnections: 4 })
      return {
        store,
        cleanup: async () => {
          await store.close()
          await db.drop()
        },
      }
    },
  },
]
