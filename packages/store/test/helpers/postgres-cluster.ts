import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway PostgreSQL cluster in a temp directory, on a free loopback port. */
export interface PostgresCluster {
  /** Connection URL of the cluster's `postgres` database (superuser, trust auth on loopback). */
  url: string
  port: number
  dir: string
  /** Stops the server (fast shutdown); the data stays until `destroy`. */
  stop(): void
  /** Starts it again on the same port and data. */
  start(): void
  destroy(): void
}

/** Debian installs the server binaries per major version, outside PATH. */
export function findPostgresBin(): string {
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

/**
 * PostgreSQL refuses to run as root; CI and these machines run as root, so the cluster then
 * belongs to the `postgres` user that the Debian package creates.
 */
function asOwner(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0
  const cmd = root ? 'runuser' : bin
  const full = root ? ['-u', 'postgres', '--', bin, ...args] : args
  const out = spawnSync(cmd, full, { encoding: 'utf8' })
  if (out.status !== 0) {
    throw new Error(`${bin.split('/').pop()} failed: ${out.stderr || out.stdout || out.error?.message}`)
  }
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'stemma-pg-'))
  const data = join(dir, 'data')
  const root = process.getuid?.() === 0
  if (root) {
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
  // Durability is pointless for a throwaway cluster; these make the tests' many small commits cheap.
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ')
  const pgCtl = join(bin, 'pg_ctl')
  const start = () => asOwner(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start'])
  const stop = () => asOwner(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'])
  start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    stop,
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
