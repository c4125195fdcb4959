import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as stemma from '../src/index.js'
import { sampleEvenly } from '../src/api.js'
import { API_KEY, FakeServer } from './helpers/fake-server.js'
import { isolateEnv, tempDir } from './helpers/env.js'

const server = new FakeServer()
let runPath = ''
beforeAll(async () => {
  isolateEnv()
  await server.start()
  const run = await stemma.init({
    baseUrl: server.url,
    apiKey: API_KEY,
    project: 'read',
    name: 'reader',
    config: { lr: 0.1 },
    dir: tempDir(),
    settings: { quiet: true, handleExit: false },
  })
  for (let i = 0; i < 25; i++)
    run.log({ loss: i === 3 ? NaN : 1 / (i + 1), note: i === 5 ? 'five' : undefined })
  await run.finish()
  runPath = run.path
  for (let i = 0; i < 4; i++) {
    const other = await stemma.init({
      baseUrl: server.url,
      apiKey: API_KEY,
      project: 'read',
      dir: tempDir(),
      settings: { quiet: true, handleExit: false },
    })
    await other.finish()
  }
})
afterAll(() => server.stop())
beforeEach(() => isolateEnv())

const api = () => new stemma.Api({ baseUrl: server.url, apiKey: API_KEY })

describe('Api', () => {
  it('reads a run and its history, NaN and non-scalars included', async () => {
    const run = await api().run(runPath)
    expect(run).toMatchObject({
      name: 'reader',
      state: 'finished',
      config: { lr: 0.1 },
      lastStep: 24,
      url: `${server.url}/tester/read/runs/${run.id}`,
    })
    const rows = await run.history()
    expect(rows).toHaveLength(25)
    expect(rows[0]).toMatchObject({ _step: 0, loss: 1 })
    expect(rows[3]!.loss).toBeNaN()
    expect(rows[5]).toMatchObject({ note: 'five' })
    expect(typeof rows[0]!._timestamp).toBe('number')
  })

  it('samples evenly and deterministically, first and last included', async () => {
    const run = await api().run(runPath)
    const rows = await run.history({ keys: ['loss'], samples: 5 })
    expect(rows.map((r) => r._step)).toEqual([0, 6, 12, 18, 24])
    expect((await run.history({ keys: ['loss'], samples: 5 })).map((r) => r._step)).toEqual([
      0, 6, 12, 18, 24,
    ])
    expect(sampleEvenly([1, 2, 3], 10)).toEqual([1, 2, 3])
    expect(sampleEvenly([1, 2, 3], 1)).toEqual([1])
  })

  it('scans history page by page and honours the step range', async () => {
    const run = await api().run(runPath)
    const steps: number[] = []
    for await (const row of run.scanHistory({ keys: ['loss'], pageSize: 7 })) steps.push(row._step)
    expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i))
    const pages = server.requests.filter((r) => r.path.endsWith('/history')).length
    expect(pages).toBeGreaterThanOrEqual(4)
    expect((await run.history({ minStep: 10, maxStep: 12 })).map((r) => r._step)).toEqual([10, 11, 12])
  })

  it('lists runs across pages, updates and deletes', async () => {
    const runs = await api().runs('tester/read', { perPage: 2 }).toArray()
    expect(runs).toHaveLength(5)
    const listReq = server.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/runs/tester/read')
    expect(listReq.length).toBe(3)
    const target = runs.find((r) => r.name !== 'reader')!
    const updated = await target.update({ notes: 'hello', tags: ['x'] })
    expect(updated).toMatchObject({ notes: 'hello', tags: ['x'] })
    await target.delete()
    expect(await api().runs('tester/read').toArray()).toHaveLength(4)
    await expect(api().run(target.path)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
  })

  it('reports the viewer and refuses a bad key with the server code', async () => {
    expect(await api().viewer()).toMatchObject({ username: 'tester' })
    await expect(new stemma.Api({ baseUrl: server.url, apiKey: 'nope' }).viewer()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    expect(() => api().runs('just-one')).toThrow(/entity\/project/)
  })
})
