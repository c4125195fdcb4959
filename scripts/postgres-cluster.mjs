// A throwaway PostgreSQL cluster in a temp directory, on a free loopback port. The tests start
// one with durability off (many small commits, nothing worth keeping); the benchmark starts one
// with the server's normal durability so its figures describe what users would see.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Debian installs the server binaries per major version, outside PATH. */
export function findPostgresBin() {
  const fromEnv = process.env.STEMMA_TEST_PG_BIN
  if (fromEnv) return fromEnv
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  throw new Error(
    'PostgreSQL server binaries not found: install them with `apt-get install -y postgresql` ' +
      '(or set STEMMA_TEST_PG_BIN to the directory holding initdb and pg_ctl). .ci/run does this.',
  )
}

/** @returns {Promise<number>} a loopback port that was free a moment ago */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') return reject(new Error('no port assigned'))
      server.close(() => resolve(address.port))
    })
  })
}

/**
 * PostgreSQL refuses to run as root; CI and these machines run as root, so the cluster then
 * belongs to the `postgres` user that the Debian package creates.
 * @param {string} bin
 * @param {string[]} args
 */
function asOwner(bin, args) {
  const root = process.getuid?.() === 0
  const cmd = root ? 'runuser' : bin
  const full = root ? ['-u', 'postgres', '--', bin, ...args] : args
  const out = spawnSync(cmd, full, { encoding: 'utf8' })
  if (out.status !== 0) {
    throw new Error(`${bin.split('/').pop()} failed: ${out.stderr || out.stdout || out.error?.message}`)
  }
}

/** Durability is pointless for a throwaway test cluster; these make many small commits cheap. */
const NO_DURABILITY = ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']

/**
 * @param {{ durable?: boolean }} [options] `durable` keeps PostgreSQL's defaults (fsync,
 *   synchronous commit, full-page writes) instead of turning them off
 */
export async function startPostgresCluster({ durable = false } = {}) {
  const bin = findPostgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'stemma-pg-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o777)
    execFileSync('chown', ['postgres:postgres', dir])
  }
  asOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ])
  const port = await freePort()
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    // The default socket directory (/var/run/postgresql) may not exist or be writable here.
    `-c unix_socket_directories=${dir}`,
    // Every server process pools up to 10 connections, and the tests run many servers at once.
    '-c max_connections=300',
    ...(durable ? [] : NO_DURABILITY),
  ].join(' ')
  const pgCtl = join(bin, 'pg_ctl')
  const start = () => asOwner(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start'])
  const stop = () => asOwner(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'])
  start()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  return {
    url,
    port,
    dir,
    start,
    stop,
    /** @param {string} name */
    urlOf(name) {
      const u = new URL(url)
      u.pathname = `/${name}`
      return u.toString()
    },
    /**
     * Runs SQL through psql (trust auth over loopback, so any OS user may) and returns the
     * unaligned result, rows on lines: enough for setup and sizes without a driver.
     * @param {string} sql
     * @param {string} [database]
     */
    psql(sql, database = 'postgres') {
      return execFileSync(
        join(bin, 'psql'),
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port)],
        { input: sql, encoding: 'utf8', env: { ...process.env, PGUSER: 'postgres', PGDATABASE: database } },
      ).trim()
    },
    destroy() {
      try {
        stop()
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
