import { afterAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

const servers: TestServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

describe('the server is killed with SIGKILL while a run is logging', () => {
  it('loses no acknowledged point and stores no point twice once it is back', async () => {
    const first = await startServer()
    servers.push(first)
    const port = Number(new URL(first.baseUrl).port)
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'outage', id: 'outage1', settings: { retryInitialMs: 200, retryMaxMs: 500 } })
       let i = 0
       const timer = setInterval(() => {
         for (let k = 0; k < 200; k++, i++) run.log({ value: i, twice: 2 * i })
         if (i === 2000) console.log('halfway')
         if (i >= 6000) { clearInterval(timer); run.finish().then(() => console.log('finished')) }
       }, 10)`,
      { baseUrl: first.baseUrl },
    )
    await script.waitFor('halfway')
    await first.kill()
    await new Promise((r) => setTimeout(r, 300))
    const second = await startServer({ port, dataDir: first.dataDir })
    servers.push(second)
    await script.waitFor('finished', 30_000)
    expect((await script.exited).code).toBe(0)
    // The outage was real: an upload failed while the server was down.
    expect(script.output()).toContain('upload failed')

    const history = await second.json<{ steps: number[]; columns: { value: number[]; twice: number[] } }>(
      '/api/v1/runs/admin/outage/outage1/history',
    )
    const all = Array.from({ length: 6000 }, (_, i) => i)
    expect(history.steps).toEqual(all)
    expect(history.columns.value).toEqual(all)
    expect(history.columns.twice).toEqual(all.map((i) => 2 * i))
    expect(await second.json('/api/v1/runs/admin/outage/outage1')).toMatchObject({
      state: 'finished',
      lastStep: 5999,
    })
  })
})
