// Where the server figures keep their data: a fresh SQLite file per deployment, or a fresh
// database per deployment on one PostgreSQL cluster started for the whole invocation. Both
// answer the same questions, so the figures run one workload for either.
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openPostgresStore, openSqliteStore } from '@stemma/store'
import { startPostgresCluster } from '../scripts/postgres-cluster.mjs'
import { startServer } from './harness.js'

/** A deployment's servers, stopped in one go. */
function deployment(servers, afterStop = async () => {}) {
  let stopped
  const stop = () => (stopped ??= Promise.all(servers.map((s) => s.stop({ keepData: true }))).then(afterStop))
  return { servers, baseUrl: servers[0].baseUrl, stop }
}

export function sqliteBackend() {
  return {
    dialect: 'sqlite',
    /** One embedded file admits one server process at a time. */
    maxReplicas: 1,
    async deploy() {
      const server = await startServer()
      const d = deployment([server], async () => rmSync(server.dataDir, { recursive: true, force: true }))
      return {
        ...d,
        /** The database file and its write-ahead log, once the server has closed them. */
        async bytesStored() {
          await server.stop({ keepData: true })
          const bytes = ['stemma.db', 'stemma.db-wal'].reduce((sum, f) => {
            try {
              return sum + statSync(join(server.dataDir, f)).size
            } catch {
              return sum
            }
          }, 0)
          await d.stop()
          return bytes
        },
      }
    },
    // In memory: the runs-table figure measures listing, and the fill would otherwise dominate.
    openStore: () => openSqliteStore({ path: ':memory:' }),
    async close() {},
  }
}

/**
 * The cluster keeps PostgreSQL's default durability (fsync, synchronous commit, full-page
 * writes) so that ingest figures count the commits users would pay for.
 */
export async function postgresBackend() {
  const cluster = await startPostgresCluster({ durable: true })
  let destroyed = false
  const destroy = () => {
    if (!destroyed) cluster.destroy()
    destroyed = true
  }
  // An interrupted or failed bench must not leave a PostgreSQL server running in a temp directory.
  const onSignal = () => process.exit(130)
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal).once('exit', destroy)

  let databases = 0
  const createDatabase = (purpose) => {
    const name = `bench_${++databases}_${purpose}`
    cluster.psql(`CREATE DATABASE ${name}`)
    return name
  }
  const sizeOf = (name) => {
    // Dirty pages would be counted anyway (files grow when a page is added), but a checkpoint
    // also lets the size include what only the write-ahead log held so far.
    cluster.psql('CHECKPOINT')
    return Number(cluster.psql(`SELECT pg_database_size('${name}')`))
  }

  // The catalogs and the empty schema weigh several megabytes that no point costs.
  const empty = createDatabase('empty')
  await (await openPostgresStore({ url: cluster.urlOf(empty) })).close()
  const emptyBytes = sizeOf(empty)

  return {
    dialect: 'postgres',
    maxReplicas: Infinity,
    /** A fresh database and `replicas` servers on it, each with its own data directory. */
    async deploy(purpose, { replicas = 1 } = {}) {
      const name = createDatabase(purpose)
      const databaseUrl = cluster.urlOf(name)
      // One at a time: the first migrates, the others then find the schema in place.
      const servers = []
      for (let i = 0; i < replicas; i++) servers.push(await startServer({ databaseUrl }))
      const d = deployment(servers, async () => {
        for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true })
        cluster.psql(`DROP DATABASE ${name} WITH (FORCE)`)
      })
      return {
        ...d,
        /**
         * The whole database's growth over an empty migrated one, as the SQLite figure counts
         * the whole file: chunks and their TOAST, indexes, per-run stats, space not yet vacuumed.
         */
        async bytesStored() {
          await Promise.all(servers.map((s) => s.stop({ keepData: true })))
          const bytes = sizeOf(name) - emptyBytes
          await d.stop()
          return bytes
        },
      }
    },
    async openStore(purpose) {
      const name = createDatabase(purpose)
      // The runs-table figure measures listing; waiting on a flush per filled run would only
      // stretch the fill (the SQLite store for it lives in memory for the same reason).
      cluster.psql(`ALTER DATABASE ${name} SET synchronous_commit = off`)
      return openPostgresStore({ url: cluster.urlOf(name) })
    },
    async close() {
      destroy()
    },
  }
}
