import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as stemma from '../src/index.js'
import type { InitOptions } from '../src/index.js'
import { API_KEY, FakeServer } from './helpers/fake-server.js'
import { isolateEnv, tempDir, waitFor } from './helpers/env.js'

const server = new FakeServer()
beforeAll(() => server.start())
afterAll(() => server.stop())
beforeEach(() => {
  isolateEnv()
  server.script = []
  server.dropResponses = 0
  server.stopRequested = false
})
afterEach(() => stemma.finish())

const fast = { quiet: true, handleExit: false, retryInitialMs: 20, retryMaxMs: 100, flushIntervalMs: 20 }
const init = (options: InitOptions = {}) =>
  stemma.init({
    baseUrl: server.url,
    apiKey: API_KEY,
    project: 'p',
    dir: tempDir(),
    ...options,
    settings: { ...fast, ...options.settings },
  })

describe('online runs', () => {
  it('uploads every row in order and ends the run', async () => {
    const lines: string[] = []
    const run = await init({
      name: 'my-run',
      config: { lr: 0.1 },
      settings: { quiet: false, print: (l) => lines.push(l) },
    })
    expect(run.name).toBe('my-run')
    expect(run.url).toBe(`${server.url}/tester/p/runs/${run.id}`)
    expect(run.path).toBe(`tester/p/${run.id}`)
    expect(lines).toEqual([
      'stemma: Syncing run my-run',
      `stemma: View project at ${server.url}/tester/p`,
      `stemma: View run at ${server.url}/tester/p/runs/${run.id}`,
    ])
    for (let i = 0; i < 1000; i++) run.log({ loss: 1 / (i + 1), nested: { acc: i } })
    await run.finish()
    const fake = server.run(run.id)!
    expect(fake.dto.state).toBe('finished')
    expect(fake.rows.size).toBe(1000)
    expect(fake.rows.get(999)).toMatchObject({ loss: 1 / 1000, 'nested/acc': 999 })
    expect(fake.init.config).toEqual({ lr: 0.1 })
    expect(fake.init.heartbeatTimeoutS).toBe(60)
    expect(lines.join('\n')).toMatch(/Run history:[\s\S]*loss[\s\S]*Run summary:[\s\S]*loss 0\.001/)
    expect(lines).toContain(`stemma: View run my-run at: ${server.url}/tester/p/runs/${run.id}`)
    expect(stemma.run).toBeUndefined()
  })

  it('finish() is a once-future: every call gets the same promise', async () => {
    const run = await init()
    run.log({ a: 1 })
    const first = run.finish()
    expect(run.finish()).toBe(first)
    expect(run.finish(3)).toBe(first)
    await first
    expect(server.run(run.id)!.dto).toMatchObject({ state: 'finished', exitCode: 0 })
    run.log({ a: 2 }) // ignored, warns once
    expect(server.run(run.id)!.rows.size).toBe(1)
  })

  it('finish(exitCode) marks the run failed', async () => {
    const run = await init()
    await run.finish(2)
    expect(server.run(run.id)!.dto).toMatchObject({ state: 'failed', exitCode: 2 })
  })

  it('a second init waits for a run that is already finishing', async () => {
    const first = await init()
    void first.finish()
    const second = await init()
    expect(server.run(first.id)!.dto.state).toBe('finished')
    expect(stemma.run).toBe(second)
  })

  it('two inits racing: the second sees the first as active', async () => {
    const [a, b] = await Promise.allSettled([init(), init()])
    expect(a.status).toBe('fulfilled')
    expect(b).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/still active/) },
    })
  })

  it('refuses a second init unless reinit', async () => {
    const first = await init()
    await expect(init()).rejects.toThrow(/still active/)
    const second = await init({ reinit: true })
    expect(server.run(first.id)!.dto.state).toBe('finished')
    expect(stemma.run).toBe(second)
  })

  it('retries 503 and network drops; a re-sent batch after a dropped response is a no-op', async () => {
    const run = await init()
    server.script = [{ status: 503 }, { status: 503, headers: { 'retry-after': '0' } }]
    server.dropResponses = 1
    for (let i = 0; i < 50; i++) run.log({ x: i })
    await run.finish()
    const fake = server.run(run.id)!
    expect(fake.rows.size).toBe(50)
    const posted = server.batchPosts().filter((r) => r.path.includes(run.id))
    const seqs = posted.map((r) => (r.body as { seq: number }).seq)
    // 1 twice for the scripted 503s, then applied-but-dropped, then the re-send: 4 posts of seq 1.
    expect(seqs.filter((s) => s === 1)).toHaveLength(4)
    expect(fake.batches.map((b) => b.seq)).toEqual(fake.batches.map((_, i) => i + 1))
  })

  it('does not retry a 422 and keeps the data in the write-ahead file', async () => {
    const run = await init()
    server.script = [{ status: 422, body: { error: { code: 'VALIDATION_FAILED', message: 'nope' } } }]
    run.log({ x: 1 })
    await run.finish()
    const posted = server.batchPosts().filter((r) => r.path.includes(run.id))
    expect(posted).toHaveLength(1)
    const { syncRunDir } = stemma
    const result = await syncRunDir(run.dir, { apiKey: API_KEY })
    expect(result).toMatchObject({ duplicates: 0, ended: true, trailingBytes: 0 })
    expect(result.sent).toBe(result.records)
    expect(server.run(run.id)!.dto.state).toBe('finished')
  })

  it('re-sends from the server-named sequence after a SEQUENCE_GAP', async () => {
    const run = await init({ settings: { flushIntervalMs: 5000 } })
    run.log({ x: 1 })
    run.summary.toJSON() // flushes batch 1
    await waitFor(() => server.run(run.id)!.committed.size === 1)
    server.run(run.id)!.committed.clear() // the server "forgot" batch 1
    run.log({ x: 2 })
    await run.finish()
    const fake = server.run(run.id)!
    expect(fake.rows.size).toBe(2)
    expect(fake.dto.state).toBe('finished')
  })

  it('bounds memory: past maxUnackedBytes, bodies are re-read from the write-ahead file', async () => {
    const run = await init({ settings: { maxUnackedBytes: 10, flushIntervalMs: 5 } })
    server.script = Array.from({ length: 3 }, () => ({ status: 503 }))
    for (let i = 0; i < 20; i++) {
      run.log({ x: i })
      await new Promise((r) => setTimeout(r, 6))
    }
    await run.finish()
    expect(server.run(run.id)!.rows.size).toBe(20)
  })

  it('reports in status() what is logged, written to the file and acknowledged', async () => {
    const run = await init()
    for (let i = 0; i < 5; i++) run.log({ x: i })
    expect(run.status()).toMatchObject({ logCalls: 5 })
    await waitFor(() => run.status().batchesAcknowledged >= 1)
    await run.finish()
    const status = run.status()
    expect(status).toMatchObject({ logCalls: 5, batchesPending: 0 })
    expect(status.batchesAcknowledged).toBe(status.batchesWritten)
    expect(status.lastAcknowledgedAt).toBeInstanceOf(Date)
  })

  it('finishes as killed when the server asks the run to stop', async () => {
    let stopped = 0
    const run = await init({ settings: { stopAction: 'callback', onStopRequested: () => stopped++ } })
    server.stopRequested = true
    run.log({ x: 1 })
    await waitFor(() => stopped === 1)
    expect(server.run(run.id)!.dto.state).toBe('killed')
    expect(stemma.run).toBeUndefined()
  })

  it('heartbeats while idle, which also carries the stop signal', async () => {
    let stopped = 0
    const run = await init({
      settings: { heartbeatIntervalMs: 30, stopAction: 'callback', onStopRequested: () => stopped++ },
    })
    await waitFor(() => server.requests.some((r) => r.path.endsWith(`${run.id}/heartbeat`)))
    server.stopRequested = true
    await waitFor(() => stopped === 1)
    expect(server.run(run.id)!.dto.state).toBe('killed')
  })

  it('markPreempting sends the flag at once', async () => {
    const run = await init({ settings: { flushIntervalMs: 5000 } })
    run.markPreempting()
    await waitFor(() => (server.run(run.id)?.batches ?? []).some((b) => b.preempting === true))
    await run.finish()
  })

  it('reports init errors from the server with their code, and an unreachable server clearly', async () => {
    await expect(init({ id: 'missing1', resume: 'must' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    await expect(init({ apiKey: 'wrong' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    await expect(
      stemma.init({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: API_KEY,
        dir: tempDir(),
        settings: { ...fast, initTimeoutMs: 200 },
      }),
    ).rejects.toThrow(/offline/)
    expect(stemma.run).toBeUndefined()
  })

  it("resume: 'auto' reuses the id of the run this directory left unfinished", async () => {
    const dir = tempDir()
    const first = await init({ dir, resume: 'auto' })
    first.log({ x: 0 })
    await first.finish(1)
    const second = await init({ dir, resume: 'auto' })
    expect(second.id).toBe(first.id)
    expect(second.resumed).toBe(true)
    expect(second.startingStep).toBe(1)
    expect(server.run(first.id)!.init.resume).toBe('allow')
    second.log({ x: 1 })
    expect(second.step).toBe(2)
    await second.finish()
    const third = await init({ dir, resume: true })
    expect(third.id).not.toBe(first.id)
  })

  it('`await using` finishes the run when the block ends', async () => {
    let id = ''
    {
      await using run = await init()
      id = run.id
      run.log({ x: 1 })
    }
    expect(server.run(id)!.dto.state).toBe('finished')
    expect(stemma.run).toBeUndefined()
  })
})
