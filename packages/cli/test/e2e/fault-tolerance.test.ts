import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunDto } from '@stemma/core'
import { startTrainingScript, type TrainingProcess } from '../helpers/script.js'
import { API_KEY, runCli, startServer, tempDir, type TestServer } from '../helpers/server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

/**
 * Faults a user meets in practice, each with real processes over real HTTP: the training process
 * killed at random points, the server killed under load, the server unreachable for a long time,
 * and the server's disk full. Random choices come from one seed, printed at the start; rerun a
 * failure with STEMMA_FAULT_SEED=<seed>.
 */
const SEED = Number(process.env.STEMMA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31))
console.log(`fault-tolerance seed: ${SEED} (rerun with STEMMA_FAULT_SEED=${SEED})`)

/** mulberry32: a small seeded generator, so a failing sequence of kills can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Polls `check` until it returns true; a liveness guard, not a timing assertion. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

type History = { steps: number[]; columns: Record<string, number[]> }
const historyOf = (server: TestServer, run: string, keys: string[]) =>
  server.json<History>(`/api/v1/runs/admin/${run}/history?keys=${keys.join(',')}&limit=1000000`)
const runOf = (server: TestServer, run: string) => server.json<RunDto>(`/api/v1/runs/admin/${run}`)

/** The run directory a script made under the shared STEMMA_DIR, if it got that far (none seen before). */
function newRunDir(dir: string, seen: Set<string>): string | undefined {
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
function lostAge(marks: number[][], lastStep: number | null, killAt: number): number | undefined {
  const first = marks.find(([step]) => step! > (lastStep ?? -1))
  return first === undefined ? undefined : killAt - first[1]!
}

/** Stops the server with SIGTERM, leaving its data directory for inspection. */
async function stopKeepingData(server: TestServer): Promise<void> {
  const child = server.process
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

/** `PRAGMA integrity_check` on a stopped server's SQLite database. */
function integrityOf(dataDir: string): unknown {
  const db = new Database(join(dataDir, 'stemma.db'), { readonly: true })
  try {
    return db.pragma('integrity_check')
  } finally {
    db.close()
  }
}

/** Settings that make a script quick to react and quiet, so each fault costs little time. */
const FAST = {
  quiet: true,
  captureConsole: false,
  captureSystem: false,
  retryInitialMs: 50,
  retryMaxMs: 250,
}

const servers: TestServer[] = []
const cleanups: Array<() => unknown> = []
afterAll(async () => {
  for (const s of servers) await s.stop()
  for (const c of cleanups.reverse()) await c()
})

describe('the training process is killed with SIGKILL at random points', () => {
  const ROUNDS = 30
  const FLUSH_MS = 50
  /** A flush timer runs late on a loaded machine (here, 2 cores shared with a server and the CLI). */
  const TIMER_SLACK_MS = 25

  it(`keeps every row log() accepted one flush interval (${FLUSH_MS} ms, +${TIMER_SLACK_MS} ms timer slack) before each of ${ROUNDS} kills, delivered by the next resume or by stemma sync, and no step twice`, async () => {
    const server = await startServer()
    servers.push(server)
    const random = seeded(SEED + 1)
    const run = 'kills/kill1'
    const rounds: Array<{
      round: number
      start: number | undefined
      /** Newest step whose log() returned at least FLUSH_MS + TIMER_SLACK_MS before the kill. */
      kept: number | undefined
      /** Newest step whose log() returned at all. */
      accepted: number | undefined
      lastStepAfterSync: number | null
      /** How long before the kill the oldest row that did not survive was accepted. */
      lostAgeMs: number | undefined
      byResume: boolean
    }> = []
    const started = Date.now()
    let lastStep: number | null = null
    // Every process starts in one directory, as a job restarted on one machine would.
    const shared = tempDir('stemma-kills-')
    cleanups.push(() => rmSync(shared, { recursive: true, force: true }))
    const seen = new Set<string>()
    // Odd rounds lose the network once started, so their rows stay in the write-ahead file only.
    const proxy = await startTcpProxy(Number(new URL(server.baseUrl).port))
    cleanups.push(() => proxy.close())
    /** A round whose rows only the next resume delivers: the newest step that must be there by then. */
    let awaitingResume: { round: number; kept: number | undefined } | undefined
    for (let round = 0; round < ROUNDS; round++) {
      // Odd rounds leave delivery to the next process's init (the last round to `stemma sync`).
      const byResume = round % 2 === 1 && round < ROUNDS - 1
      // Each round is a new process resuming the same run; `round` says which process wrote a row.
      const script = startTrainingScript(
        `const run = await stemma.init({ project: 'kills', id: 'kill1', resume: 'allow',
           settings: ${JSON.stringify({ ...FAST, flushIntervalMs: FLUSH_MS })} })
         console.log('start ' + run.step)
         setInterval(() => {
           for (let k = 0; k < 10; k++) run.log({ value: run.step, round: ${round} })
           console.log('accepted ' + (run.step - 1) + ' ' + Date.now())
         }, 5)`,
        { baseUrl: proxy.url, dir: shared },
      )
      proxy.setMode('forward')
      // One round in five dies early (loading, init, first rows); the rest while logging.
      if (random() < 0.2) await sleep(random() * 400)
      else {
        await script.waitFor(/^start \d+$/m)
        if (byResume) proxy.setMode('reset')
        await sleep(random() * 700)
      }
      const killAt = Date.now()
      script.child.kill('SIGKILL')
      expect((await script.exited).signal).toBe('SIGKILL')

      const out = script.output()
      const start = /^start (\d+)$/m.exec(out)?.[1]
      let kept: number | undefined
      let accepted: number | undefined
      const marks = [...out.matchAll(/^accepted (\d+) (\d+)$/gm)].map(([, step, at]) => [
        Number(step),
        Number(at),
      ])
      for (const [step, at] of marks) {
        accepted = step
        if (at! <= killAt - FLUSH_MS - TIMER_SLACK_MS) kept = step
      }
      if (start !== undefined && awaitingResume === undefined) {
        // The resumed process continues right after what the server has: nothing overwritten, no gap.
        expect(Number(start)).toBe(lastStep === null ? 0 : lastStep + 1)
      }
      if (start !== undefined && awaitingResume !== undefined) {
        // This init delivered what the previous process left, and continues after it.
        if (awaitingResume.kept !== undefined)
          expect(Number(start) - 1).toBeGreaterThanOrEqual(awaitingResume.kept)
        awaitingResume = undefined
      }
      // The killed process's write-ahead file is delivered by `stemma sync` of its run directory,
      // or (odd rounds) by the next process's init.
      const runDir = newRunDir(shared, seen)
      // Killed between creating the run directory and writing run.json: init had not returned, so
      // nothing was logged, and there is no write-ahead file to deliver (`stemma sync` of such a
      // directory fails with ENOENT on run.json; see the report).
      if (runDir !== undefined && !existsSync(join(runDir, 'run.json'))) {
        expect(start).toBeUndefined()
        expect(existsSync(join(runDir, 'run.wal'))).toBe(false)
      } else if (runDir !== undefined && (byResume || awaitingResume !== undefined)) {
        // Left for a later init (a round killed before its own init also leaves the earlier one's).
        awaitingResume = { round, kept: Math.max(kept ?? -1, awaitingResume?.kept ?? -1) }
      } else if (runDir !== undefined) {
        const sync = runCli(['sync', runDir], { STEMMA_BASE_URL: server.baseUrl, STEMMA_API_KEY: API_KEY })
        expect(sync.stderr).toBe('')
        expect(sync.code).toBe(0)
      }
      if (start !== undefined) lastStep = (await runOf(server, run)).lastStep
      if (kept !== undefined && awaitingResume === undefined) expect(lastStep).toBeGreaterThanOrEqual(kept)
      rounds.push({
        round,
        start: start === undefined ? undefined : Number(start),
        kept,
        accepted,
        lastStepAfterSync: lastStep,
        // Only where the kill was followed by a sync: otherwise lastStep does not count the file yet.
        lostAgeMs: byResume ? undefined : lostAge(marks, lastStep, killAt),
        byResume,
      })
    }
    if (awaitingResume !== undefined) {
      // The last rounds died before any init could deliver them: `stemma sync` every directory.
      for (const name of readdirSync(join(shared, 'stemma')).filter((d) => d.startsWith('run-'))) {
        const dir = join(shared, 'stemma', name)
        if (!existsSync(join(dir, 'run.json'))) continue
        expect(runCli(['sync', dir], { STEMMA_BASE_URL: server.baseUrl, STEMMA_API_KEY: API_KEY }).code).toBe(
          0,
        )
      }
      const { kept } = awaitingResume
      if (kept !== undefined) expect((await runOf(server, run)).lastStep).toBeGreaterThanOrEqual(kept)
    }
    const elapsed = Date.now() - started

    const history = await historyOf(server, run, ['value', 'round'])
    // Strictly increasing from 0 with no gap and no step twice; each value is the step it was logged at.
    expect(history.steps).toEqual(range(history.steps.length))
    expect(history.columns.value).toEqual(history.steps)
    // Every row accepted a flush interval before its process died is there, written by that process.
    for (const r of rounds) {
      if (r.start === undefined || r.kept === undefined) continue
      for (let step = r.start; step <= r.kept; step++) expect(history.columns.round![step]).toBe(r.round)
    }
    // The kills did hit processes in the middle of logging, most rounds.
    const logging = rounds.filter((r) => r.kept !== undefined)
    expect(logging.length).toBeGreaterThanOrEqual(ROUNDS / 3)
    const lost = rounds.filter((r) => !r.byResume).map((r) => (r.accepted ?? 0) - (r.lastStepAfterSync ?? 0))
    const lostAges = rounds.flatMap((r) => (r.lostAgeMs === undefined ? [] : [r.lostAgeMs]))
    console.log(
      `${ROUNDS} SIGKILL rounds in ${elapsed} ms (${Math.round(elapsed / ROUNDS)} ms each): ` +
        `${logging.length} killed while logging, ${history.steps.length} rows kept, ` +
        `rows accepted but not yet in the write-ahead file at the kill: max ${Math.max(...lost)}, ` +
        `accepted at most ${Math.max(0, ...lostAges)} ms before the kill (the flush interval is ${FLUSH_MS} ms)`,
    )
  }, 120_000)
})

describe('the server is killed with SIGKILL under load and restarted', () => {
  const RESTARTS = 20

  it(`stores every logged step exactly once across ${RESTARTS} kills and restarts`, async () => {
    const random = seeded(SEED + 2)
    let server = await startServer()
    servers.push(server)
    const { dataDir } = server
    const port = Number(new URL(server.baseUrl).port)
    const run = 'restarts/restart1'
    const script = startTrainingScript(
      `import { existsSync } from 'node:fs'
       const run = await stemma.init({ project: 'restarts', id: 'restart1',
         settings: ${JSON.stringify({ ...FAST, flushIntervalMs: 50 })} })
       console.log('started')
       let i = 0
       const timer = setInterval(() => {
         for (let k = 0; k < 50; k++, i++) run.log({ value: i, twice: 2 * i })
         if (existsSync('stop')) {
           clearInterval(timer)
           console.log('logged ' + i)
           run.finish().then(() => console.log('finished'))
         }
       }, 10)`,
      { baseUrl: server.baseUrl },
    )
    cleanups.push(() => script.child.kill('SIGKILL'))
    await script.waitFor('started')
    const started = Date.now()
    for (let k = 0; k < RESTARTS; k++) {
      // Kill only once this server has taken new rows, so every kill lands while batches flow.
      const before = k === 0 ? -1 : ((await runOf(server, run)).lastStep ?? -1)
      const current = server
      await until(
        `ingest after restart ${k}`,
        async () => ((await runOf(current, run)).lastStep ?? -1) > before,
      )
      await sleep(random() * 400)
      await server.kill()
      await sleep(random() * 300)
      server = await startServer({ port, dataDir })
      servers.push(server)
    }
    const elapsed = Date.now() - started
    writeFileSync(join(script.dir, 'stop'), '')
    await script.waitFor('finished', 60_000)
    expect(await script.exited).toEqual({ code: 0, signal: null })
    const logged = Number(/^logged (\d+)$/m.exec(script.output())![1])
    // The outages were real: uploads failed while the server was down.
    expect(script.output()).toContain('upload failed')

    const history = await historyOf(server, run, ['value', 'twice'])
    expect(history.steps).toEqual(range(logged))
    expect(history.columns.value).toEqual(range(logged))
    expect(history.columns.twice).toEqual(range(logged).map((i) => 2 * i))
    expect(await runOf(server, run)).toMatchObject({ state: 'finished', lastStep: logged - 1 })
    await stopKeepingData(server)
    expect(integrityOf(dataDir)).toEqual([{ integrity_check: 'ok' }])
    console.log(`${RESTARTS} server kills in ${elapsed} ms; ${logged} rows, each stored once`)
  }, 120_000)
})

describe('the server is unreachable for a long time', () => {
  /**
   * How long the outage lasts. Real outages run for minutes; 24 s keeps the file quick and is
   * enough to cross the heartbeat timeout (the server's minimum, 10 s) and to write the
   * write-ahead file well past the memory bound. Nothing here depends on the length except that:
   * retries back off to `retryMaxMs` and stay there, and with packets dropped a request hangs until
   * its 60 s timeout and is then retried. `STEMMA_OUTAGE_MS=150000` tries minutes.
   *
   * The rule the server follows: `crashed` is derived on read from silence longer than the run's
   * heartbeat timeout; any batch or heartbeat that arrives later makes it `running` again.
   */
  const OUTAGE_MS = Number(process.env.STEMMA_OUTAGE_MS) || 24_000
  const HEARTBEAT_TIMEOUT_S = 10
  /** Unacknowledged batch bytes the SDK keeps in memory; beyond them the write-ahead file is the buffer. */
  const MAX_UNACKED = 1024 * 1024
  /** Heap growth allowed while the outage lasts (the kept bodies, queue bookkeeping, noise). */
  const HEAP_BOUND = 8 * 1024 * 1024

  it(
    'log() stays fast, memory stays bounded, the backlog drains after reconnecting, and the run ' +
      'reads running again: crashed is only what a heartbeat timeout of silence looks like from the server',
    async () => {
      const server = await startServer()
      servers.push(server)
      const proxy: TcpProxy = await startTcpProxy(Number(new URL(server.baseUrl).port))
      cleanups.push(() => proxy.close())
      const run = 'outage/unreachable1'
      const settings = {
        ...FAST,
        retryInitialMs: 100,
        retryMaxMs: 500,
        flushIntervalMs: 50,
        heartbeatIntervalMs: 500,
        heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S,
        maxUnackedBytes: MAX_UNACKED,
      }
      const script: TrainingProcess = startTrainingScript(
        `import { existsSync, statSync } from 'node:fs'
         import { join } from 'node:path'
         import { setFlagsFromString } from 'node:v8'
         import { runInNewContext } from 'node:vm'
         setFlagsFromString('--expose-gc')
         const gc = runInNewContext('gc')
         const run = await stemma.init({ project: 'outage', id: 'unreachable1', settings: ${JSON.stringify(settings)} })
         const wal = join(run.dir, 'run.wal')
         console.log('started')
         const keys = Array.from({ length: 12 }, (_, c) => 'm' + c)
         let i = 0
         let maxLogMs = 0
         const timer = setInterval(() => {
           for (let k = 0; k < 30; k++, i++) {
             const row = { value: i }
             for (const key of keys) row[key] = Math.random()
             const t0 = performance.now()
             run.log(row)
             maxLogMs = Math.max(maxLogMs, performance.now() - t0)
           }
           if (existsSync('stop')) {
             clearInterval(timer)
             clearInterval(sampler)
             console.log('logged ' + i + ' maxLogMs ' + maxLogMs.toFixed(2))
             run.finish().then(() => console.log('finished'))
           }
         }, 10)
         // Live memory after a full collection, the write-ahead file's size, and the slowest log() so far.
         const sampler = setInterval(() => {
           gc()
           const m = process.memoryUsage()
           console.log('mem ' + Date.now() + ' ' + (m.heapUsed + m.external) + ' ' + m.rss + ' ' + statSync(wal).size + ' ' + maxLogMs.toFixed(2))
         }, 500)`,
        { baseUrl: proxy.url },
      )
      cleanups.push(() => script.child.kill('SIGKILL'))
      await script.waitFor('started')
      await until('rows on the server', async () => ((await runOf(server, run)).lastStep ?? -1) > 1000)

      const before = (await runOf(server, run)).lastStep!
      const outageStart = Date.now()
      // First half: connections are reset (port closed); second half: packets vanish (requests hang).
      proxy.setMode('reset')
      await sleep(2000)
      // Silence shorter than the heartbeat timeout: the server still shows the run running.
      expect((await runOf(server, run)).state).toBe('running')
      await sleep(OUTAGE_MS / 2 - 2000)
      proxy.setMode('drop')
      await sleep(OUTAGE_MS / 2)
      const outageEnd = Date.now()
      // Silence longer than the heartbeat timeout: the server cannot tell a cut-off process from a
      // dead one, and says crashed.
      const during = await runOf(server, run)
      expect(during.state).toBe('crashed')
      expect(during.lastStep).toBeLessThan(before + 2000)
      proxy.setMode('forward')

      // The process is alive and reconnects: the first delivered batch (or heartbeat) revives the run.
      await until('the run to read running again', async () => (await runOf(server, run)).state === 'running')
      expect(script.child.exitCode).toBeNull()
      await until(
        'rows from the outage to arrive',
        async () => ((await runOf(server, run)).lastStep ?? -1) > during.lastStep!,
      )
      writeFileSync(join(script.dir, 'stop'), '')
      await script.waitFor('finished', 60_000)
      expect(await script.exited).toEqual({ code: 0, signal: null })
      const out = script.output()
      // One warning for the whole outage, not one per retry.
      expect(out.match(/upload failed/g)).toHaveLength(1)

      const [, logged, maxLogMs] = /^logged (\d+) maxLogMs ([\d.]+)$/m.exec(out)!.map(Number)
      const history = await historyOf(server, run, ['value'])
      expect(history.steps).toEqual(range(logged!))
      expect(history.columns.value).toEqual(range(logged!))
      expect(await runOf(server, run)).toMatchObject({ state: 'finished', lastStep: logged! - 1 })

      // log() never waited on the network: generous, as a loaded machine adds its own pauses.
      expect(maxLogMs).toBeLessThan(50)
      // During the outage the write-ahead file grew by far more than the heap did.
      const samples = [...out.matchAll(/^mem (\d+) (\d+) (\d+) (\d+) /gm)].map((m) => m.slice(1).map(Number))
      const inOutage = samples.filter(([at]) => at! >= outageStart + 1000 && at! <= outageEnd)
      expect(inOutage.length).toBeGreaterThan(10)
      const [first, last] = [inOutage[0]!, inOutage[inOutage.length - 1]!]
      const heapGrowth = last[1]! - first[1]!
      const walGrowth = last[3]! - first[3]!
      console.log(
        `outage of ${OUTAGE_MS} ms: ${logged} rows logged, slowest log() ${maxLogMs} ms, ` +
          `write-ahead file +${(walGrowth / 2 ** 20).toFixed(1)} MiB, heap +${(heapGrowth / 2 ** 20).toFixed(1)} MiB, ` +
          `rss ${(first[2]! / 2 ** 20).toFixed(0)} → ${(last[2]! / 2 ** 20).toFixed(0)} MiB`,
      )
      expect(walGrowth).toBeGreaterThan(2 * HEAP_BOUND)
      expect(heapGrowth).toBeLessThan(HEAP_BOUND)
    },
    OUTAGE_MS + 100_000,
  )
})

/** A small tmpfs for the server's data directory, or why there cannot be one. */
function mountTmpfs(size: string): { dir: string } | { reason: string } {
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

describe('the server runs out of disk space', () => {
  const disk = mountTmpfs('16m')

  it.skipIf('reason' in disk)(
    `answers ingest with 507 while the disk is full; the SDK keeps the rows and delivers them once space is free${'reason' in disk ? ` (skipped: ${disk.reason})` : ''}`,
    async () => {
      const dataDir = join((disk as { dir: string }).dir, 'data')
      mkdirSync(dataDir)
      const server = await startServer({ dataDir })
      servers.push(server)
      const run = 'disk/full1'
      const script = startTrainingScript(
        `import { existsSync } from 'node:fs'
         const run = await stemma.init({ project: 'disk', id: 'full1',
           settings: ${JSON.stringify({ ...FAST, flushIntervalMs: 50, retryMaxMs: 500 })} })
         console.log('started')
         let i = 0
         const timer = setInterval(() => {
           for (let k = 0; k < 20; k++, i++) run.log({ value: i, noise: Math.random() })
           if (existsSync('stop')) {
             clearInterval(timer)
             console.log('logged ' + i)
             run.finish().then(() => console.log('finished'))
           }
         }, 10)`,
        { baseUrl: server.baseUrl },
      )
      cleanups.push(() => script.child.kill('SIGKILL'))
      await script.waitFor('started')
      await until('rows on the server', async () => ((await runOf(server, run)).lastStep ?? -1) > 500)
      // A second run, for probing the ingest endpoint directly while the disk is full.
      await server.json('/api/v1/runs', {
        method: 'POST',
        body: JSON.stringify({ project: 'disk', id: 'probe1' }),
      })

      // Fill the file system to the last byte.
      const filler = join((disk as { dir: string }).dir, 'filler')
      const fd = openSync(filler, 'w')
      const block = Buffer.alloc(64 * 1024, 1)
      try {
        for (;;) writeSync(fd, block)
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC')
      }
      try {
        for (;;) writeSync(fd, block, 0, 512)
      } catch {
        // the last partial blocks are gone too
      }
      closeSync(fd)

      // The SDK is told, once, in words a user can act on, and keeps retrying.
      await script.waitFor(/upload failed \(.*disk is full/, 30_000)
      // The same answer, seen directly: 507 with Retry-After and the reason.
      let probe: Response | undefined
      for (let attempt = 0, seq = 1; attempt < 20 && probe?.status !== 507; attempt++) {
        if (probe?.ok) seq++
        const steps = range(2000).map((s) => (seq - 1) * 2000 + s)
        probe = await server.request('/api/v1/runs/admin/disk/probe1/batches', {
          method: 'POST',
          body: JSON.stringify({
            writerId: 'disk-probe',
            seq,
            history: { steps, runtime: steps, timestamp: steps, columns: { x: steps } },
          }),
        })
      }
      expect(probe!.status).toBe(507)
      expect(probe!.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await probe!.json()).toMatchObject({
        error: { code: 'INSUFFICIENT_STORAGE', message: expect.stringMatching(/disk is full/) },
      })
      // Reads still work: the dashboard shows what was stored before the disk filled.
      const stuck = (await runOf(server, run)).lastStep!
      expect((await historyOf(server, run, ['value'])).steps.length).toBe(stuck + 1)
      // The script keeps logging into its write-ahead file meanwhile.
      await sleep(1500)
      expect(script.child.exitCode).toBeNull()
      expect((await runOf(server, run)).lastStep).toBe(stuck)

      rmSync(filler)
      await until('ingest to resume', async () => ((await runOf(server, run)).lastStep ?? -1) > stuck)
      writeFileSync(join(script.dir, 'stop'), '')
      await script.waitFor('finished', 60_000)
      expect(await script.exited).toEqual({ code: 0, signal: null })
      const logged = Number(/^logged (\d+)$/m.exec(script.output())![1])
      const history = await historyOf(server, run, ['value'])
      expect(history.steps).toEqual(range(logged))
      expect(history.columns.value).toEqual(range(logged))
      expect(await runOf(server, run)).toMatchObject({ state: 'finished', lastStep: logged - 1 })

      await stopKeepingData(server)
      expect(integrityOf(dataDir)).toEqual([{ integrity_check: 'ok' }])
    },
    90_000,
  )
})
