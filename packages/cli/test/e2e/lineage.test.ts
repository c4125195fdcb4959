import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as stemma from '@stemma/sdk'
import { API_KEY, startServer, tempDir, type TestServer } from '../helpers/server.js'
import { initAgainst, type InitOptions } from '../helpers/sdk.js'

let server: TestServer
let api: stemma.Api
beforeAll(async () => {
  server = await startServer()
  api = new stemma.Api({ baseUrl: server.baseUrl, apiKey: API_KEY })
})
afterAll(() => server.stop())

const init = (options: InitOptions) => initAgainst(server, options)

async function series(path: string, key: string) {
  const rows = await (await api.run(path)).history({ keys: [key] })
  return rows.filter((r) => r[key] !== undefined).map((r) => [r._step, r[key]] as [number, unknown])
}

describe('fork (seed 002)', () => {
  it('shares the parent history up to the fork step and continues from N+1', async () => {
    const run1 = await init({ project: 'fork-seed' })
    for (let i = 0; i < 300; i++) run1.log({ metric: i })
    await run1.finish()

    const run2 = await init({ project: 'fork-seed', forkFrom: `${run1.id}?_step=200` })
    expect(run2.id).not.toBe(run1.id)
    expect(run2.startingStep).toBe(201)
    const expected: [number, number][] = Array.from({ length: 201 }, (_, i) => [i, i])
    let step = 201
    for (let i = 200; i < 300; i++) {
      const value = i < 250 ? i : i + 2 * Math.sin(i / 3)
      run2.log({ metric: value })
      expected.push([step, value])
      run2.log({ additional_metric: i * 1.1 })
      step += 2
    }
    await run2.finish()

    expect(await series(run2.path, 'metric')).toEqual(expected)
    expect(await series(run1.path, 'metric')).toEqual(Array.from({ length: 300 }, (_, i) => [i, i]))
    const forked = await api.run(run2.path)
    expect(forked.forkedFrom).toEqual({ runId: run1.id, step: 200 })
    // Every step of every read traces back to the run that logged it.
    expect((await forked.lineage()).segments).toEqual([
      { runId: run1.id, fromStep: 0, toStep: 200 },
      { runId: run2.id, fromStep: 201, toStep: null },
    ])
    expect(forked.summary).toMatchObject({ metric: expected.at(-1)![1], additional_metric: 299 * 1.1 })
  })

  it('refuses bad fork points and creates nothing', async () => {
    const run = await init({ project: 'fork-errors' })
    for (let i = 0; i < 10; i++) run.log({ x: i })
    await run.finish()
    await expect(init({ project: 'fork-errors', forkFrom: `${run.id}?_step=10` })).rejects.toThrow(/step/i)
    await expect(init({ project: 'fork-errors', forkFrom: 'nosuchrun?_step=1' })).rejects.toThrow(
      /not found/i,
    )
    await expect(init({ project: 'fork-errors', forkFrom: `${run.id}?_step=-1` })).rejects.toThrow()
    await expect(
      init({ project: 'fork-errors', id: run.id, forkFrom: `${run.id}?_step=1` }),
    ).rejects.toThrow()
    expect((await api.runs('admin/fork-errors').toArray()).map((r) => r.id)).toEqual([run.id])
  })
})

describe('rewind (seeds 000 and 001)', () => {
  it('truncates to the rewind point, keeps the original archived, and forks from the rewound run', async () => {
    const run = await init({ project: 'rewind-seed', config: { lr: 0.1 } })
    for (let i = 0; i < 1000; i++) run.log({ metric: i ** 2 })
    await run.finish()

    const rewound = await init({
      project: 'rewind-seed',
      resumeFrom: `${run.id}?_step=500`,
      config: { extra: true },
    })
    expect(rewound.id).toBe(run.id)
    expect(rewound.startingStep).toBe(501)
    for (let i = 500; i < 1000; i++) rewound.log({ metric: i * 2 })
    await rewound.finish()

    const live = await series(run.path, 'metric')
    expect(live).toHaveLength(1001)
    expect(live.slice(0, 501)).toEqual(Array.from({ length: 501 }, (_, i) => [i, i ** 2]))
    expect(live.slice(501)).toEqual(Array.from({ length: 500 }, (_, k) => [501 + k, (500 + k) * 2]))
    const after = await api.run(run.path)
    expect(after.summary.metric).toBe(999 * 2)
    expect(after.config).toEqual({ lr: 0.1, extra: true })

    const archives = await after.archives()
    expect(archives).toHaveLength(1)
    expect(archives[0]!.lastStep).toBe(999)
    expect(archives[0]!.summary.metric).toBe(999 ** 2)
    const lineage = await after.lineage()
    expect(lineage.rewinds).toEqual([expect.objectContaining({ step: 500 })])

    const forked = await init({ project: 'rewind-seed', forkFrom: `${rewound.id}?_step=500` })
    for (let i = 500; i < 1000; i++) forked.log({ metric: i * 3 })
    await forked.finish()
    const forkSeries = await series(forked.path, 'metric')
    expect(forkSeries.slice(0, 501)).toEqual(live.slice(0, 501))
    expect(forkSeries.slice(501)).toEqual(Array.from({ length: 500 }, (_, k) => [501 + k, (500 + k) * 3]))

    const tree = await api.runTree('admin/rewind-seed')
    expect(tree.roots).toEqual([
      expect.objectContaining({
        id: run.id,
        rewinds: [expect.objectContaining({ step: 500, lastStep: 999 })],
        children: [expect.objectContaining({ id: forked.id, forkedFrom: { runId: run.id, step: 500 } })],
      }),
    ])
  })
})

describe('resume', () => {
  it('continues the same run from the next step with `allow`, and enforces `must` and `never`', async () => {
    await expect(init({ project: 'resume', id: 'missing1', resume: 'must' })).rejects.toThrow(
      /not found|does not exist/i,
    )
    const first = await init({ project: 'resume', id: 'resume01', config: { a: 1 } })
    for (let i = 0; i < 5; i++) first.log({ x: i })
    await first.finish(1)
    expect((await api.run(first.path)).state).toBe('failed')

    await expect(init({ project: 'resume', id: 'resume01', resume: 'never' })).rejects.toThrow(/exists/i)
    const again = await init({ project: 'resume', id: 'resume01', resume: 'allow' })
    expect(again.resumed).toBe(true)
    expect(again.startingStep).toBe(5)
    expect((await api.run(first.path)).state).toBe('running')
    again.log({ x: 5 })
    await again.finish()
    expect(await series(first.path, 'x')).toEqual(Array.from({ length: 6 }, (_, i) => [i, i]))
    const read = await api.run(first.path)
    expect(read).toMatchObject({ state: 'finished', config: { a: 1 } })
  })

  it("with 'auto' picks up the run this directory left unfinished", async () => {
    const dir = tempDir()
    const first = await init({ dir, project: 'resume-auto', resume: 'auto' })
    first.log({ x: 0 })
    await first.finish(2)
    const second = await init({ dir, project: 'resume-auto', resume: 'auto' })
    expect(second.id).toBe(first.id)
    expect(second.startingStep).toBe(1)
    await second.finish()
    const third = await init({ dir, project: 'resume-auto', resume: 'auto' })
    expect(third.id).not.toBe(first.id)
    await third.finish()
  })
})
