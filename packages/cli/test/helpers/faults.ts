import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect } from 'vitest'
import type { RunDto } from '@stemma/core'
import { tempDir, type TestServer } from './server.js'

/** Helpers of the fault-tolerance suite (e2e/fault-tolerance.test.ts). */

/** A small seeded generator, so a failing sequence of kills can be replayed. */
export { mulberry32 as seeded } from '../../../store/test/helpers.js'

/**
 * A training script that logs `perTick` (statements using `run` and the counter `i`) every 10 ms
 * until a file named `stop` appears in its directory, then finishes; it prints `started`,
 * `logged <rows>` and `finished`.
 */
export function stopFileScript(project: string, id: string, settings: object, perTick: string): string {
  return `import { existsSync } from 'node:fs'
    const run = await stemma.init({ project: ${JSON.stringify(project)}, id: ${JSON.stringify(id)},
      settings: ${JSON.stringify(settings)} })
    console.log('started')
    let i = 0
    const timer = setInterval(() => {
      ${perTick}
      if (existsSync('stop')) {
        clearInterval(timer)
        console.log('logged ' + i)
        run.finish().then(() => console.log('finished'))
      }
    }, 10)`
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Polls `check` until it returns true; a liveness guard, not a timing assertion. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

export type History = { steps: number[]; columns: Record<string, number[]> }
export const historyOf = (server: TestServer, run: string, keys: string[]) =>
  server.json<History>(`/api/v1/runs/admin/${run}/history?keys=${keys.join(',')}&limit=1000000`)
export const runOf = (server: TestServer, run: string) => server.json<RunDto>(`/api/v1/runs/admin/${run}`)

/** The run directory a script made under the shared STEMMA_DIR, if it got that far (none seen before). */
export function newRunDir(dir: string, seen: Set<string>): string | undefined {
  const root = join(dir, 'stemma')
  if (!existsSync(root)) return undefined
  const fresh = readdirSync(root).filter((d) => d.startsWith('run-') && !seen.has(d))
  expect(fresh.length).toBeLessThanOrEqual(1)
  if (fresh[0] === undefined) return undefined
  seen.add(fresh[0])
  return join(root, fresh[0])
}

/**
 * For a killed round: how long before the kill the first accepted row that is not on the server was
 * accepted (undefined when all survived). `marks` are [newest step, accepted at] pairs, one per tick
 * of rows logged together.
 */
export function lostAge(marks: number[][], lastStep: number | null, killAt: number): number | undefined {
  const first = marks.find(([step]) => step! > (lastStep ?? -1))
  return first === undefined ? undefined : killAt - first[1]!
}

/** Stops the server with SIGTERM, leaving its data directory for inspection. */
export async function stopKeepingData(server: TestServer): Promise<void> {
  const child = server.process
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

/** `PRAGMA integrity_check` on a stopped server's SQLite database. */
export function integrityOf(dataDir: string): unknown {
  const db = new Database(join(dataDir, 'stemma.db'), { readonly: true })
  try {
    return db.pragma('integrity_check')
  } finally {
    db.close()
  }
}

/** Settings that make a script quick to react and quiet, so each fault costs little time. */
export const FAST = {
  quiet: true,
  captureConsole: false,
  captureSystem: false,
  retryInitialMs: 50,
  retryMaxMs: 250,
}

/** A small tmpfs for the server's data directory, or why there cannot be one. */
export function mountTmpfs(
  size: string,
  cleanups: Array<() => unknown>,
): { dir: string } | { reason: string } {
  const dir = tempDir('stemma-tmpfs-')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    return { reason: `cannot mount a tmpfs (${(err as Error).message.split('\n')[0]})` }
  }
  cleanups.push(() => {
    execFileSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir }
}

/** One seed for a fault suite's random choices, printed so a failure can be rerun with it. */
export function faultSeed(): number {
  const seed = Number(process.env.STEMMA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31))
  console.log(`fault-tolerance seed: ${seed} (rerun with STEMMA_FAULT_SEED=${seed})`)
  return seed
}

/** Servers and clean-ups a suite starts, stopped and run (newest first) after all its tests. */
export function cleanedUpAfterAll(): { servers: TestServer[]; cleanups: Array<() => unknown> } {
  const servers: TestServer[] = []
  const cleanups: Array<() => unknown> = []
  afterAll(async () => {
    for (const s of servers) await s.stop()
    for (const c of cleanups.reverse()) await c()
  })
  return { servers, cleanups }
}
