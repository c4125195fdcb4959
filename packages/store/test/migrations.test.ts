import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openPostgresStore, openSqliteStore, SCHEMA_VERSION, type Store } from '../src/index.js'
import { createTestDatabase } from './helpers/postgres-db.js'

/** Opens stores on one database, as server processes would; `open` may be called many times. */
interface Target {
  name: string
  /** Several server processes share the database (SQLite belongs to one process). */
  replicas: boolean
  setup(): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>
}

const TARGETS: Target[] = [
  {
    name: 'sqlite',
    replicas: false,
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'stemma-migrate-'))
      return {
        open: () => openSqliteStore({ path: join(dir, 'stemma.db') }),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      }
    },
  },
  {
    name: 'postgres',
    replicas: true,
    async setup() {
      const db = await createTestDatabase()
      return { open: () => openPostgresStore({ url: db.url, maxConnections: 2 }), cleanup: db.drop }
    },
  },
]

for (const target of TARGETS) {
  describe(`migrations [${target.name}]`, () => {
    const opened: Store[] = []
    let cleanup = async () => {}
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close()
      await cleanup()
    })

    it('refuses a database that a newer release migrated', async () => {
      const t = await target.setup()
      cleanup = t.cleanup
      const first = await t.open()
      await first.database.run(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        SCHEMA_VERSION + 1,
        'from the future',
        0,
      )
      await first.close()
      await expect(t.open()).rejects.toThrow(
        `The database schema is at version ${SCHEMA_VERSION + 1}, newer than this stemma's ${SCHEMA_VERSION}`,
      )
    })

    it.runIf(target.replicas)(
      'migrates once when several processes open a new database together',
      async () => {
        const t = await target.setup()
        cleanup = t.cleanup
        const stores = await Promise.all(Array.from({ length: 4 }, () => t.open()))
        opened.push(...stores)
        const versions = await stores[0]!.database.all<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        )
        expect(versions.map((v) => v.version)).toEqual(
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        )
        await stores[1]!.runs.create({ entity: 'e', project: 'p', runId: 'r', heartbeatTimeoutS: 60, now: 0 })
        expect(await stores[3]!.runs.get({ entity: 'e', project: 'p', runId: 'r' })).not.toBeNull()
      },
    )
  })
}
