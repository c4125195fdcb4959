import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore, type Store } from '../src/index.js'

/** Every dialect the contract suite runs against; PostgreSQL joins this list when it exists. */
export interface TestDialect {
  name: string
  open(): { store: Store; cleanup(): Promise<void> }
}

export const DIALECTS: TestDialect[] = [
  {
    name: 'sqlite (file)',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'stemma-store-'))
      const store = openSqliteStore({ path: join(dir, 'stemma.db') })
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
    open() {
      const store = openSqliteStore({ path: ':memory:' })
      return { store, cleanup: () => store.close() }
    },
  },
]
