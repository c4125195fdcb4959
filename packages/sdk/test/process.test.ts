import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readWal, syncRunDir } from '../src/index.js'
import { buildSdk, onlyRunDir, startScript } from './helpers/child.js'
import { API_KEY, FakeServer } from './helpers/fake-server.js'

const server = new FakeServer()
beforeAll(async () => {
  buildSdk()
  await server.start()
})
afterAll(() => server.stop())

const env = () => ({ STEMMA_BASE_URL: server.url, STEMMA_API_KEY: API_KEY })

describe('a training process', () => {
  it('waits for an unreachable server until the init timeout, then fails with a clear error', async () => {
    const script = startScript(
      `try {
         await stemma.init({ project: 'p', settings: { quiet: true, initTimeoutMs: 1500, retryInitialMs: 100, retryMaxMs: 200 } })
       } catch (err) {
         console.log('init failed: ' + err.message)
         process.exitCode = 2
       }`,
      { STEMMA_BASE_URL: 'http://127.0.0.1:9', STEMMA_API_KEY: API_KEY },
    )
    // Before the fix Node exited with 13 (unsettled top-level await): nothing held the retry wait.
    expect((await script.exited).code).toBe(2)
    expect(script.output()).toMatch(/init failed: .*Is the server running at http:\/\/127\.0\.0\.1:9\?/)
  })

  it('killed with SIGKILL loses nothing that reached the write-ahead file once synced', async () => {
    const script = startScript(
      `const run = await stemma.init({ project: 'crash', id: 'sigkill1', settings: { quiet: true } })
       let i = 0
       setInterval(() => {
         for (let k = 0; k < 100; k++, i++) run.log({ value: i * 2, other: -i })
         console.log('logged ' + i)
       }, 5)`,
      env(),
    )
    await script.waitFor(/logged 3000\n/)
    await new Promise((r) => setTimeout(r, 1200))
    const killedAt = Date.now()
    script.child.kill('SIGKILL')
    expect((await script.exited).signal).toBe('SIGKILL')

    const runDir = onlyRunDir(script.dir)
    const wal = readWal(join(runDir, 'run.wal'))
    const walRows = wal.entries.reduce((n, e) => n + (e.record.batch.history?.steps.length ?? 0), 0)
    const result = await syncRunDir(runDir, { apiKey: API_KEY })
    expect(result.sent + result.duplicates).toBe(result.records)
    expect(result.ended).toBe(false)

    const fake = server.run('sigkill1')!
    const steps = [...fake.rows.keys()].sort((a, b) => a - b)
    expect(steps.length).toBe(walRows)
    expect(steps).toEqual(steps.map((_, i) => i))
    expect(steps.every((s) => fake.rows.get(s)!.value === s * 2 && fake.rows.get(s)!.other === -s)).toBe(true)
    // Everything logged well over a flush interval (100 ms) before the kill is there; the margin
    // absorbs scheduling delays on a loaded machine.
    const safe = script.lines.filter((l) => l.at < killedAt - 1000 && l.line.startsWith('logged '))
    const safeCount = Number(safe.at(-1)!.line.slice('logged '.length))
    expect(steps.length).toBeGreaterThanOrEqual(safeCount)

    const again = await syncRunDir(runDir, { apiKey: API_KEY })
    expect(again.sent).toBe(0)
    expect(server.run('sigkill1')!.rows.size).toBe(steps.length)
  })

  it('exiting with process.exitCode = 3 fails the run; the terminal shows start and end blocks', async () => {
    const script = startScript(
      `const run = await stemma.init({ project: 'exits', id: 'exit3', name: 'three' })
       for (let i = 0; i < 5; i++) run.log({ accuracy: i / 4 })
       process.exitCode = 3`,
      env(),
    )
    expect((await script.exited).code).toBe(3)
    expect(server.run('exit3')!.dto).toMatchObject({ state: 'failed', exitCode: 3, lastStep: 4 })
    const out = script.output()
    expect(out).toContain('stemma: Syncing run three')
    expect(out).toMatch(/Run history:\nstemma: accuracy ▁[▁-█]+█\n[\s\S]*Run summary:\nstemma: accuracy 1\n/)
  })

  it('an uncaught error fails the run and is printed', async () => {
    const script = startScript(
      `const run = await stemma.init({ project: 'exits', id: 'throws1', settings: { quiet: true } })
       run.log({ x: 1 })
       setTimeout(() => { throw new Error('diverged') }, 10)`,
      env(),
    )
    expect((await script.exited).code).toBe(1)
    expect(script.output()).toContain('Error: diverged')
    expect(server.run('throws1')!.dto).toMatchObject({ state: 'failed', exitCode: 1, lastStep: 0 })
  })

  it('SIGTERM finishes the run as killed and exits 143', async () => {
    const script = startScript(
      `const run = await stemma.init({ project: 'exits', id: 'sigterm1', settings: { quiet: true } })
       for (let i = 0; i < 100; i++) run.log({ x: i })
       console.log('logged')
       setInterval(() => {}, 1000)`,
      env(),
    )
    await script.waitFor(/logged/)
    script.child.kill('SIGTERM')
    expect((await script.exited).code).toBe(143)
    expect(server.run('sigterm1')!.dto).toMatchObject({ state: 'killed', lastStep: 99 })
  })

  it('a hard process.exit() leaves the exit record in the write-ahead file for sync', async () => {
    const script = startScript(
      `const run = await stemma.init({ project: 'exits', id: 'hard1', settings: { quiet: true, flushIntervalMs: 60000 } })
       for (let i = 0; i < 10; i++) run.log({ x: i })
       process.exit(0)`,
      env(),
    )
    expect((await script.exited).code).toBe(0)
    expect(script.output()).toContain('stemma sync')
    const result = await syncRunDir(onlyRunDir(script.dir), { apiKey: API_KEY })
    expect(result.ended).toBe(true)
    expect(server.run('hard1')!.dto).toMatchObject({ state: 'finished', lastStep: 9 })
  })
})
