// Shared helpers for the benchmark: a real server in a child process, timing and reporting.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../scripts/postgres-cluster.mjs'

export const ROOT = new URL('..', import.meta.url).pathname
export const API_KEY = 'local-' + 'b'.repeat(40)

export function report(figure) {
  process.stdout.write(`${JSON.stringify(figure)}\n`)
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
}

/**
 * Starts `stemma server` on a fresh data directory (its SQLite file, or only the admin key file
 * when `databaseUrl` names a PostgreSQL database); resolves once it accepts requests.
 */
export async function startServer({
  dataDir = mkdtempSync(join(tmpdir(), 'stemma-bench-')),
  databaseUrl,
} = {}) {
  const port = await freePort()
  const args = ['server', '--port', String(port), '--data-dir', dataDir]
  if (databaseUrl) args.push('--database-url', databaseUrl)
  const child = spawn(process.execPath, [join(ROOT, 'packages/cli/dist/main.js'), ...args], {
    env: { ...process.env, STEMMA_ADMIN_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('listening on')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${out}`)))
  })
  const baseUrl = `http://127.0.0.1:${port}`
  let exited
  return {
    baseUrl,
    dataDir,
    pid: child.pid,
    /** Safe to call again: a second call waits for the same exit. */
    async stop({ keepData = false } = {}) {
      exited ??= new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill('SIGTERM')
      })
      await exited
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at state; utime, stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / CLOCK_TICKS
}
// sysconf(_SC_CLK_TCK); 100 on every Linux this runs on.
const CLOCK_TICKS = 100

export async function api(baseUrl, path, init = {}) {
  const res = await fetch(baseUrl + path, {
    ...init,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...init.headers },
  })
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? undefined : res.json()
}

/**
 * A thousand distinct 20-scalar rows, built once: the figures measure stemma, not the cost of
 * computing the benchmark's own metric values.
 */
export function scalarRows(keys = 20) {
  return Array.from({ length: 1000 }, (_, i) => scalarRow(i, keys))
}

export function scalarRow(i, keys = 20) {
  const row = {}
  for (let k = 0; k < keys; k++) row[`metric_${k}`] = Math.sin(i / 100 + k)
  return row
}
