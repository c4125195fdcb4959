import { mkdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startTrainingScript, type TrainingProcess } from '../helpers/script.js'
import { startServer } from '../helpers/server.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import {
  FAST,
  historyOf,
  integrityOf,
  mountTmpfs,
  range,
  runOf,
  sleep,
  stopFileScript,
  stopKeepingData,
  until,
  cleanedUpAfterAll,
} from '../helpers/faults.js'

/**
 * Faults a user meets in practice, each with real processes over real HTTP: the server
 * unreachable for a long time and the server's disk full (killed processes and servers are in
 * fault-tolerance-processes.test.ts).
 */
const { servers, cleanups } = cleanedUpAfterAll()

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
           for (let k = 0; k < 60; k++, i++) {
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
      // During the outage the write-ahead file grew by far more than the heap did. The script logs
      // on a timer, so a loaded machine logs less: 60 rows a tick leave room (a slow CI machine
      // wrote 15.7 MiB at 30).
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

describe('the server runs out of disk space', () => {
  const disk = mountTmpfs('16m', cleanups)

  it.skipIf('reason' in disk)(
    `answers ingest with 507 while the disk is full; the SDK keeps the rows and delivers them once space is free${'reason' in disk ? ` (skipped: ${disk.reason})` : ''}`,
    async () => {
      const dataDir = join((disk as { dir: string }).dir, 'data')
      mkdirSync(dataDir)
      const server = await startServer({ dataDir })
      servers.push(server)
      const run = 'disk/full1'
      const script = startTrainingScript(
        stopFileScript(
          'disk',
          'full1',
          { ...FAST, flushIntervalMs: 50, retryMaxMs: 500 },
          'for (let k = 0; k < 20; k++, i++) run.log({ value: i, noise: Math.random() })',
        ),
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
