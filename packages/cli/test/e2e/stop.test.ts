import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDto } from '@stemma/core'
import { startServer, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const getRun = (id: string) => server.json<RunDto>(`/api/v1/runs/admin/control/${id}`)
const stop = (id: string) => server.json<RunDto>(`/api/v1/runs/admin/control/${id}/stop`, { method: 'POST' })

/** An idle script: no log() calls and a heartbeat far away, so only the event stream can reach it. */
const idle = (id: string, settings: string) =>
  `const run = await stemma.init({ project: 'control', id: '${id}', settings: { quiet: true, heartbeatIntervalMs: 600000, ${settings} } })
   run.log({ x: 1 })
   await new Promise((r) => setTimeout(r, 300))
   console.log('READY')
   setInterval(() => {}, 1000)`

describe('stop', () => {
  it('reaches an idle script over the event stream: it finishes killed and exits', async () => {
    const script = startTrainingScript(idle('idle1', ''), { baseUrl: server.baseUrl })
    await script.waitFor('READY')
    const t0 = Date.now()
    await stop('idle1')
    const exit = await script.exited
    const took = Date.now() - t0
    expect(exit.code === 143 || exit.signal === 'SIGTERM').toBe(true)
    expect(took).toBeLessThan(30_000) // the heartbeat would have taken 10 minutes
    expect(await getRun('idle1')).toMatchObject({ state: 'killed', exitCode: 143 })
  })

  it("calls onStopRequested and leaves the process running with stopAction: 'callback'", async () => {
    const script = startTrainingScript(
      idle('cb1', `stopAction: 'callback', onStopRequested: () => console.log('STOP CALLBACK')`),
      { baseUrl: server.baseUrl },
    )
    await script.waitFor('READY')
    await stop('cb1')
    await script.waitFor('STOP CALLBACK')
    await new Promise((r) => setTimeout(r, 300))
    expect(script.child.exitCode).toBeNull()
    expect(await getRun('cb1')).toMatchObject({ state: 'killed' })
    script.child.kill('SIGKILL')
    await script.exited
  })
})
