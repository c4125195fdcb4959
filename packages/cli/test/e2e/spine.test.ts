import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as stemma from '@stemma/sdk'
import type { RunDto } from '@stemma/core'
import { API_KEY, startServer, type TestServer } from '../helpers/server.js'
import { initAgainst, type InitOptions } from '../helpers/sdk.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const init = (options: InitOptions) => initAgainst(server, options)

describe('a training script logs through the SDK and reads its run back', () => {
  it('records the 10-epoch example: history, config, summary and state', async () => {
    const run = await init({ project: 'awesome-project', config: { learning_rate: 0.01, epochs: 10 } })
    expect(run.id).toMatch(/^[a-z0-9]{8}$/)
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-\d+$/)
    expect(run.url).toBe(`${server.baseUrl}/admin/awesome-project/runs/${run.id}`)
    for (let epoch = 0; epoch < 10; epoch++) run.log({ accuracy: 0.5 + epoch / 20, loss: 1 / (epoch + 1) })
    run.summary.set('best_accuracy', 0.95)
    await run.finish()

    const api = new stemma.Api({ baseUrl: server.baseUrl, apiKey: API_KEY })
    const read = await api.run(run.path)
    expect(read.state).toBe('finished')
    expect(read.config).toEqual({ learning_rate: 0.01, epochs: 10 })
    expect(read.summary).toMatchObject({ accuracy: 0.95, loss: 0.1, best_accuracy: 0.95, _step: 9 })
    const rows = await read.history({ keys: ['accuracy', 'loss'] })
    expect(rows.map((r) => r._step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(rows.map((r) => r.loss)).toEqual(Array.from({ length: 10 }, (_, e) => 1 / (e + 1)))

    const dto = await server.json<RunDto>(`/api/v1/runs/admin/awesome-project/${run.id}`)
    expect(dto).toMatchObject({ state: 'finished', exitCode: 0, lastStep: 9, name: run.name })
  })

  it('stores the 1,000-step `metric: i**2` example exactly and charts it as M4 buckets', async () => {
    const run = await init({ project: 'seed-001' })
    for (let i = 0; i < 1000; i++) run.log({ metric: i ** 2 })
    await run.finish()

    const history = await server.json<{ steps: number[]; columns: { metric: number[] } }>(
      `/api/v1/runs/admin/seed-001/${run.id}/history?keys=metric`,
    )
    expect(history.steps).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(history.columns.metric).toEqual(Array.from({ length: 1000 }, (_, i) => i ** 2))

    const buckets = await server.json<{
      data: { step: number[]; min: number[]; max: number[]; count: number[] }
    }>(`/api/v1/runs/admin/seed-001/${run.id}/history/buckets?key=metric&buckets=10`)
    expect(buckets.data.step).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
    expect(buckets.data.min).toEqual(buckets.data.step.map((s) => s ** 2))
    expect(buckets.data.max).toEqual(buckets.data.step.map((s) => (s + 99) ** 2))
    expect(buckets.data.count).toEqual(Array(10).fill(100))
    expect(
      (await new stemma.Api({ baseUrl: server.baseUrl, apiKey: API_KEY }).run(run.path)).summary.metric,
    ).toBe(999 ** 2)
  })

  it('drops an explicit lower step, keeps the rest, and reports the drop', async () => {
    const run = await init({ project: 'steps' })
    run.log({ a: 1 })
    run.log({ a: 2 })
    run.log({ a: 3 }, { step: 0 })
    run.log({ a: 4 })
    await run.finish()

    const history = await server.json<{ steps: number[]; columns: { a: number[] } }>(
      `/api/v1/runs/admin/steps/${run.id}/history?keys=a`,
    )
    expect(history.steps).toEqual([0, 1, 2])
    expect(history.columns.a).toEqual([1, 2, 4])
    const rejected = await server.json<{ rows: { attemptedStep: number; keys: string[] }[]; total: number }>(
      `/api/v1/runs/admin/steps/${run.id}/rejected`,
    )
    expect(rejected.total).toBe(1)
    expect(rejected.rows[0]).toMatchObject({ attemptedStep: 0, keys: ['a'] })
  })

  it('lists, filters and deletes runs through the read API', async () => {
    const api = new stemma.Api({ baseUrl: server.baseUrl, apiKey: API_KEY })
    for (const lr of [0.1, 0.01]) {
      const run = await init({ project: 'listing', config: { lr }, tags: lr > 0.05 ? ['big'] : [] })
      run.log({ loss: lr })
      await run.finish()
    }
    const big = await api.runs('admin/listing', { filters: { 'config.lr': { $gt: 0.05 } } }).toArray()
    expect(big.map((r) => r.config.lr)).toEqual([0.1])
    const all = await api.runs('admin/listing', { order: 'config.lr' }).toArray()
    expect(all.map((r) => r.config.lr)).toEqual([0.01, 0.1])
    await all[0]!.delete()
    expect((await api.runs('admin/listing').toArray()).map((r) => r.config.lr)).toEqual([0.1])
  })
})
