import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleLine, RunDto } from '@stemma/core'
import { startServer, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const getRun = (id: string) => server.json<RunDto>(`/api/v1/runs/admin/exits/${id}`)

describe('every exit path ends the run without stemma sync', () => {
  it('process.exit(1) with rows still buffered: failed, with every row, within seconds', async () => {
    const script = startTrainingScript(
      // A long flush interval: the rows are still in memory when the process exits.
      `const run = await stemma.init({ project: 'exits', id: 'hardexit1', settings: { quiet: true, flushIntervalMs: 60000 } })
       for (let i = 0; i < 1000; i++) run.log({ x: i })
       console.error('giving up')
       process.exit(1)`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code).toBe(1)
    expect(script.output()).toContain('a background process is delivering the rest')
    await expect.poll(async () => (await getRun('hardexit1')).state, { timeout: 15_000 }).toBe('failed')
    expect(await getRun('hardexit1')).toMatchObject({ exitCode: 1, lastStep: 999 })
    const { lines } = await server.json<{ lines: ConsoleLine[] }>(
      '/api/v1/runs/admin/exits/hardexit1/console',
    )
    expect(lines.map((l) => l.line)).toContain('giving up')
  })

  it('process.exit(0) without finish(): finished', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'hardexit0', settings: { quiet: true, flushIntervalMs: 60000 } })
       run.log({ x: 1 })
       process.exit(0)`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code).toBe(0)
    await expect.poll(async () => (await getRun('hardexit0')).state, { timeout: 15_000 }).toBe('finished')
  })

  it('an unhandled rejection: failed, with its text in the console', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'rejected1', settings: { quiet: true } })
       run.log({ x: 1 })
       Promise.reject(new Error('data loader died'))`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code).not.toBe(0)
    await expect.poll(async () => (await getRun('rejected1')).state, { timeout: 15_000 }).toBe('failed')
    const { lines } = await server.json<{ lines: ConsoleLine[] }>(
      '/api/v1/runs/admin/exits/rejected1/console',
    )
    expect(lines.some((l) => l.stream === 'stderr' && l.line.includes('data loader died'))).toBe(true)
  })

  it('SIGINT: killed', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'sigint1', settings: { quiet: true } })
       run.log({ x: 1 })
       console.log('READY')
       setInterval(() => {}, 1000)`,
      { baseUrl: server.baseUrl },
    )
    await script.waitFor('READY')
    script.child.kill('SIGINT')
    expect((await script.exited).code).toBe(130)
    expect(await getRun('sigint1')).toMatchObject({ state: 'killed' })
  })

  it('markPreempting, then silence: preempting, then preempted after the heartbeat timeout', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'preempt1', settings: { quiet: true, heartbeatTimeoutS: 10 } })
       run.log({ x: 1 })
       run.markPreempting()
       await new Promise((r) => setTimeout(r, 300))
       console.log('READY')
       setInterval(() => {}, 1000)`,
      { baseUrl: server.baseUrl },
    )
    await script.waitFor('READY')
    await expect.poll(async () => (await getRun('preempt1')).state).toBe('preempting')
    script.child.kill('SIGKILL')
    await script.exited
    await expect
      .poll(async () => (await getRun('preempt1')).state, { timeout: 30_000, interval: 500 })
      .toBe('preempted')
  }, 45_000)
})
