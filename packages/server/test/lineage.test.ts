import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HistoryResponse, InitResponse, RunDto } from '@stemma/core'
import type { LineageResponse, RunTreeResponse } from '@stemma/core'
import { batch, json, series, startApp, type TestApp } from './helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
})
afterEach(() => t.close())

const RUNS = '/api/v1/runs'
const errorCode = (res: { body: string }) => json<{ error: { code: string; message: string } }>(res).error

async function init(body: Record<string, unknown>) {
  const res = await t.call('POST', RUNS, { project: 'p', ...body })
  return { status: res.statusCode, body: json<InitResponse>(res), raw: res }
}

let writers = 0

/**
 * Logs `{ metric: f(i) }` for i in [from, to) at steps from `firstStep`, in batches of 100, as a
 * fresh writer (a new process); returns the writer and its next seq.
 */
async function log(runId: string, from: number, to: number, f: (i: number) => number, firstStep = from) {
  const writerId = `writer-${++writers}`
  let seq = 1
  for (let start = from; start < to; start += 100) {
    const rows = Array.from({ length: Math.min(100, to - start) }, (_, k) => ({ metric: f(start + k) }))
    const res = await t.call(
      'POST',
      `${RUNS}/admin/p/${runId}/batches`,
      batch(seq++, firstStep + (start - from), rows, {}, writerId),
    )
    expect(res.statusCode, res.body).toBe(200)
  }
  return { writerId, seq }
}

async function history(runId: string, query = '') {
  return json<HistoryResponse & { sourceRunIds: string[] }>(
    await t.call('GET', `${RUNS}/admin/p/${runId}/history${query}`),
  )
}

const range = (n: number, f: (i: number) => [number, number]) => Array.from({ length: n }, (_, i) => f(i))

describe('resume', () => {
  it('creates by default and refuses an existing id', async () => {
    expect((await init({ id: 'r1' })).status).toBe(201)
    const again = await init({ id: 'r1' })
    expect(again.status).toBe(409)
    expect(errorCode(again.raw)).toMatchObject({
      code: 'RUN_EXISTS',
      message: expect.stringMatching(/already exists/),
    })
    expect(errorCode((await init({ id: 'r1', resume: 'never' })).raw).code).toBe('RUN_EXISTS')
    expect((await init({ id: 'r2', resume: 'never' })).status).toBe(201)
  })

  it("'must' continues an existing run and fails clearly on a missing one", async () => {
    const missing = await init({ id: 'nope', resume: 'must' })
    expect(missing.status).toBe(404)
    expect(errorCode(missing.raw)).toMatchObject({
      code: 'RUN_NOT_FOUND',
      message: expect.stringMatching(/does not exist/),
    })
    expect((await init({ resume: 'must' })).status).toBe(422)
    expect((await t.call('GET', `${RUNS}/admin/p/nope`)).statusCode).toBe(404)

    await init({ id: 'm1', config: { a: 1, b: 2 } })
    const writer = await log('m1', 0, 5, (i) => i)
    await t.call('POST', `${RUNS}/admin/p/m1/batches`, { ...writer, exit: { state: 'failed', exitCode: 1 } })
    await t.call('POST', `${RUNS}/admin/p/m1/stop`)
    expect(json<RunDto>(await t.call('GET', `${RUNS}/admin/p/m1`))).toMatchObject({
      state: 'failed',
      exitCode: 1,
    })

    const resumed = await init({ id: 'm1', resume: 'must', config: { b: 3, c: 4 } })
    expect(resumed.status).toBe(200)
    expect(resumed.body).toMatchObject({ resumed: true, startingStep: 5 })
    expect(resumed.body.run).toMatchObject({
      state: 'running',
      exitCode: null,
      finishedAt: null,
      stopRequested: false,
      config: { a: 1, b: 3, c: 4 },
    })
    await log('m1', 5, 7, (i) => i, 5)
    expect(series(await history('m1'), 'metric')).toEqual(range(7, (i) => [i, i]))
  })

  it("'allow' creates when missing and continues when present", async () => {
    const created = await init({ id: 'a1', resume: 'allow' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ resumed: false, startingStep: 0 })
    const continued = await init({ id: 'a1', resume: 'allow' })
    expect(continued.status).toBe(200)
    expect(continued.body).toMatchObject({ resumed: true, startingStep: 0 })
  })
})

describe('fork', () => {
  it('shares the parent history up to the fork step (seed 002)', async () => {
    await init({ id: 'parent' })
    await log('parent', 0, 300, (i) => i)
    const fork = await init({ id: 'child', forkFrom: 'parent?_step=200' })
    expect(fork.status, fork.raw.body).toBe(201)
    expect(fork.body).toMatchObject({ startingStep: 201, resumed: false })
    expect(fork.body.run.forkedFrom).toEqual({ runId: 'parent', step: 200 })
    expect(fork.body.run.summary).toMatchObject({ metric: 200 })

    const value = (i: number) => (i < 250 ? i : i + 2 * Math.sin(i / 3))
    await log('child', 200, 300, value, 201)
    const merged = await history('child')
    expect(series(merged, 'metric')).toEqual([
      ...range(201, (i) => [i, i]),
      ...range(100, (k) => [201 + k, value(200 + k)]),
    ])
    expect(merged.sourceRunIds.slice(199, 203)).toEqual(['parent', 'parent', 'child', 'child'])
    expect(series(await history('parent'), 'metric')).toEqual(range(300, (i) => [i, i]))
    expect(json<RunDto>(await t.call('GET', `${RUNS}/admin/p/child`)).summary).toMatchObject({
      metric: value(299),
    })

    const lineage = json<LineageResponse>(await t.call('GET', `${RUNS}/admin/p/parent/lineage`))
    expect(lineage.children).toEqual([expect.objectContaining({ runId: 'child', step: 200 })])
    expect(json<LineageResponse>(await t.call('GET', `${RUNS}/admin/p/child/lineage`)).parent).toEqual({
      runId: 'parent',
      step: 200,
    })
  })

  it('refuses bad fork points and creates nothing', async () => {
    await init({ id: 'src' })
    await log('src', 0, 10, (i) => i)
    const cases: [Record<string, unknown>, number, string][] = [
      [{ forkFrom: 'src?_step=10' }, 422, 'INVALID_STEP'],
      [{ forkFrom: 'nosuch?_step=1' }, 404, 'RUN_NOT_FOUND'],
      [{ forkFrom: 'src?_step=-1' }, 422, 'INVALID_LINEAGE_SPEC'],
      [{ forkFrom: 'src?_step=abc' }, 422, 'INVALID_LINEAGE_SPEC'],
      [{ id: 'src', forkFrom: 'src?_step=1' }, 422, 'VALIDATION_FAILED'],
    ]
    for (const [body, status, code] of cases) {
      const res = await init(body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(errorCode(res.raw).code).toBe(code)
    }
    const list = json<{ runs: RunDto[] }>(await t.call('GET', `${RUNS}/admin/p`))
    expect(list.runs.map((r) => r.id)).toEqual(['src'])
  })
})

describe('rewind', () => {
  it('truncates, archives the original read-only, and can be forked (seed 001)', async () => {
    await init({ id: 'sq', config: { lr: 0.1 } })
    await log('sq', 0, 1000, (i) => i ** 2)
    const rewound = await init({ resumeFrom: 'sq?_step=500', config: { extra: true } })
    expect(rewound.status, rewound.raw.body).toBe(200)
    expect(rewound.body).toMatchObject({ resumed: true, startingStep: 501 })
    expect(rewound.body.run).toMatchObject({ id: 'sq', state: 'running', config: { lr: 0.1, extra: true } })
    await log('sq', 500, 1000, (i) => i * 2, 501)

    const live = series(await history('sq'), 'metric')
    expect(live).toEqual([...range(501, (i) => [i, i ** 2]), ...range(500, (k) => [501 + k, (500 + k) * 2])])
    expect(json(await t.call('GET', `${RUNS}/admin/p/sq/summary`))).toMatchObject({ metric: 999 * 2 })

    const archives = json<{ runs: RunDto[] }>(await t.call('GET', `${RUNS}/admin/p/sq/archives`))
    expect(archives.runs).toHaveLength(1)
    expect(archives.runs[0]).toMatchObject({ archived: true, lastStep: 999, summary: { metric: 999 ** 2 } })
    const lineage = json<LineageResponse>(await t.call('GET', `${RUNS}/admin/p/sq/lineage`))
    expect(lineage.rewinds).toEqual([expect.objectContaining({ step: 500, lastStep: 999 })])
    const index = lineage.rewinds[0]!.archiveIndex

    const old = await history('sq', `?archive=${index}`)
    expect(series(old, 'metric')).toEqual(range(1000, (i) => [i, i ** 2]))
    expect(json<RunDto>(await t.call('GET', `${RUNS}/admin/p/sq?archive=${index}`))).toMatchObject({
      archived: true,
    })
    expect(json(await t.call('GET', `${RUNS}/admin/p/sq/summary?archive=${index}`))).toMatchObject({
      metric: 999 ** 2,
    })
    expect((await t.call('GET', `${RUNS}/admin/p/sq?archive=7`)).statusCode).toBe(404)

    const fork = await init({ id: 'sqfork', forkFrom: 'sq?_step=500' })
    expect(fork.body.startingStep).toBe(501)
    await log('sqfork', 500, 1000, (i) => i * 3, 501)
    const forked = series(await history('sqfork'), 'metric')
    expect(forked.slice(0, 501)).toEqual(live.slice(0, 501))
    expect(forked.slice(501)).toEqual(range(500, (k) => [501 + k, (500 + k) * 3]))

    // The archived original can be forked too: its steps past the rewind point are still there.
    const fromArchive = await init({ id: 'arcfork', forkFrom: `sq?_step=800&archive=${index}` })
    expect(fromArchive.status, fromArchive.raw.body).toBe(201)
    expect(fromArchive.body.startingStep).toBe(801)
    expect(series(await history('arcfork'), 'metric')).toEqual(range(801, (i) => [i, i ** 2]))
    expect((await init({ id: 'nofork', forkFrom: 'sq?_step=1&archive=5' })).status).toBe(404)

    const tree = json<RunTreeResponse>(await t.call('GET', '/api/v1/projects/admin/p/tree'))
    expect(tree.roots).toHaveLength(1)
    expect(tree.roots[0]).toMatchObject({ id: 'sq', rewinds: [expect.objectContaining({ step: 500 })] })
    expect(tree.roots[0]!.children.map((c) => c.id).sort()).toEqual(['arcfork', 'sqfork'])
  })

  it('refuses every write to an archived run', async () => {
    await init({ id: 'arc' })
    await log('arc', 0, 10, (i) => i)
    await init({ resumeFrom: 'arc?_step=4' })
    const index = json<LineageResponse>(await t.call('GET', `${RUNS}/admin/p/arc/lineage`)).rewinds[0]!
      .archiveIndex
    const before = await history('arc', `?archive=${index}`)
    const base = `${RUNS}/admin/p/arc`
    const writes: [string, string, unknown?][] = [
      ['POST', `${base}/batches?archive=${index}`, batch(1, 10, [{ metric: 1 }])],
      ['PATCH', `${base}?archive=${index}`, { notes: 'x' }],
      ['DELETE', `${base}?archive=${index}`],
      ['POST', `${base}/heartbeat?archive=${index}`],
      ['POST', `${base}/stop?archive=${index}`],
    ]
    for (const [method, url, body] of writes) {
      const res = await t.call(method, url, body)
      expect(res.statusCode, `${method} ${url}`).toBe(409)
      expect(errorCode(res).code).toBe('RUN_ARCHIVED')
    }
    expect(await history('arc', `?archive=${index}`)).toEqual(before)
    expect(json<RunDto>(await t.call('GET', `${base}?archive=${index}`)).notes).toBe('')
  })

  it('refuses a rewind beyond the last step and an id that does not match', async () => {
    await init({ id: 'rw' })
    await log('rw', 0, 10, (i) => i)
    expect(errorCode((await init({ resumeFrom: 'rw?_step=10' })).raw).code).toBe('INVALID_STEP')
    expect((await init({ id: 'other', resumeFrom: 'rw?_step=3' })).status).toBe(422)
    expect(errorCode((await init({ resumeFrom: 'ghost?_step=3' })).raw).code).toBe('RUN_NOT_FOUND')
    expect(json<{ runs: RunDto[] }>(await t.call('GET', `${RUNS}/admin/p/rw/archives`)).runs).toEqual([])
  })

  it('rewinds twice, keeping both archived states in order', async () => {
    await init({ id: 'twice' })
    await log('twice', 0, 10, (i) => i)
    await init({ resumeFrom: 'twice?_step=7' })
    await log('twice', 7, 10, (i) => 100 + i, 8)
    await init({ resumeFrom: 'twice?_step=3' })
    await log('twice', 3, 5, (i) => 200 + i, 4)
    expect(series(await history('twice'), 'metric')).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 203],
      [5, 204],
    ])
    const lineage = json<LineageResponse>(await t.call('GET', `${RUNS}/admin/p/twice/lineage`))
    expect(lineage.rewinds.map((r) => [r.step, r.lastStep])).toEqual([
      [7, 9],
      [3, 10],
    ])
    const [first, second] = lineage.rewinds.map((r) => r.archiveIndex)
    expect(series(await history('twice', `?archive=${first}`), 'metric')).toEqual(range(10, (i) => [i, i]))
    expect(series(await history('twice', `?archive=${second}`), 'metric').slice(7)).toEqual([
      [7, 7],
      [8, 107],
      [9, 108],
      [10, 109],
    ])
  })
})

describe('fork points in a step metric', () => {
  it('forks at the last step where a monotonic metric is within the value', async () => {
    await init({ id: 'tok' })
    const rows = Array.from({ length: 10 }, (_, i) => ({ tokens: i * 1000, loss: 10 - i }))
    expect((await t.call('POST', `${RUNS}/admin/p/tok/batches`, batch(1, 0, rows))).statusCode).toBe(200)
    const fork = await init({ id: 'tokfork', forkFrom: 'tok?tokens=4500' })
    expect(fork.status, fork.raw.body).toBe(201)
    expect(fork.body).toMatchObject({ startingStep: 5, run: { forkedFrom: { runId: 'tok', step: 4 } } })
    expect(series(await history('tokfork'), 'loss')).toEqual(range(5, (i) => [i, 10 - i]))
  })
})
