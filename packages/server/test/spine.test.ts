import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HistoryResponse, InitResponse, IngestResponse, RunDto, RunListResponse } from '@stemma/core'
import { batch, json, PUBLIC_URL, series, startApp, type TestApp } from './helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
})
afterEach(() => t.close())

const RUNS = '/api/v1/runs'

async function createRun(project: string, body: Record<string, unknown> = {}): Promise<InitResponse> {
  const res = await t.call('POST', RUNS, { project, ...body })
  expect(res.statusCode, res.body).toBe(201)
  return json<InitResponse>(res)
}

describe('the 10-epoch example over raw HTTP', () => {
  it('creates the run, ingests batches and reads history, summary and config back', async () => {
    const init = await createRun('awesome-project', { config: { learning_rate: 0.01, epochs: 10 } })
    expect(init).toMatchObject({ startingStep: 0, resumed: false })
    const { run } = init
    expect(run).toMatchObject({
      entity: 'admin',
      project: 'awesome-project',
      state: 'running',
      archived: false,
    })
    expect(run.id).toMatch(/^[a-z0-9]{8}$/)
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-1$/)
    expect(run.url).toBe(`${PUBLIC_URL}/admin/awesome-project/runs/${run.id}`)
    const path = `${RUNS}/admin/awesome-project/${run.id}`

    const rows = Array.from({ length: 10 }, (_, epoch) => ({
      accuracy: 0.5 + epoch / 20,
      loss: 1 / (epoch + 1),
    }))
    let res = await t.call('POST', `${path}/batches`, batch(1, 0, rows.slice(0, 5)))
    expect(res.statusCode, res.body).toBe(200)
    expect(json<IngestResponse>(res)).toEqual({
      committedSeq: 1,
      duplicate: false,
      control: { stopRequested: false },
    })
    res = await t.call(
      'POST',
      `${path}/batches`,
      batch(2, 5, rows.slice(5), {
        summary: { best_accuracy: 0.95 },
        exit: { state: 'finished', exitCode: 0 },
      }),
    )
    expect(json<IngestResponse>(res).committedSeq).toBe(2)

    const history = json<HistoryResponse & { sourceRunIds: string[] }>(await t.call('GET', `${path}/history`))
    expect(history.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(series(history, 'accuracy')).toEqual(rows.map((r, i) => [i, r.accuracy]))
    expect(series(history, 'loss')).toEqual(rows.map((r, i) => [i, r.loss]))
    expect(history.sourceRunIds).toEqual(Array(10).fill(run.id))

    const some = json<HistoryResponse>(await t.call('GET', `${path}/history?keys=loss&minStep=2&maxStep=4`))
    expect(some.steps).toEqual([2, 3, 4])
    expect(Object.keys(some.columns)).toEqual(['loss'])

    const summary = json(await t.call('GET', `${path}/summary`))
    expect(summary).toMatchObject({ accuracy: 0.95, loss: 0.1, best_accuracy: 0.95, _step: 9 })
    expect(json(await t.call('GET', `${path}/config`))).toEqual({ learning_rate: 0.01, epochs: 10 })

    const read = json<RunDto>(await t.call('GET', path))
    expect(read).toMatchObject({ state: 'finished', exitCode: 0, lastStep: 9 })
    expect(read.finishedAt).not.toBeNull()

    const keys = json<{ keys: { key: string }[] }>(await t.call('GET', `${path}/history/keys`))
    expect(keys.keys.map((k) => k.key)).toEqual(expect.arrayContaining(['accuracy', 'loss']))

    const buckets = json<{ data: { min: number[]; max: number[]; count: number[] } }>(
      await t.call('GET', `${path}/history/buckets?key=loss&buckets=2`),
    )
    expect(buckets.data.count).toEqual([5, 5])
    expect(buckets.data.max[0]).toBe(1)
    expect(buckets.data.min[1]).toBe(0.1)
  })
})

describe('ingest', () => {
  it('keeps a re-sent batch single and acknowledges it as a duplicate', async () => {
    const { run } = await createRun('p')
    const path = `${RUNS}/admin/p/${run.id}`
    const b = batch(1, 0, [{ x: 1 }, { x: 2 }])
    expect(json<IngestResponse>(await t.call('POST', `${path}/batches`, b)).duplicate).toBe(false)
    const again = json<IngestResponse>(await t.call('POST', `${path}/batches`, b))
    expect(again).toMatchObject({ committedSeq: 1, duplicate: true })
    const history = json<HistoryResponse>(await t.call('GET', `${path}/history`))
    expect(series(history, 'x')).toEqual([
      [0, 1],
      [1, 2],
    ])
  })

  it('refuses a sequence gap with SEQUENCE_GAP and applies nothing', async () => {
    const { run } = await createRun('p')
    const path = `${RUNS}/admin/p/${run.id}`
    await t.call('POST', `${path}/batches`, batch(1, 0, [{ x: 1 }]))
    const res = await t.call('POST', `${path}/batches`, batch(3, 1, [{ x: 2 }]))
    expect(res.statusCode).toBe(409)
    expect(json<{ error: { code: string } }>(res).error.code).toBe('SEQUENCE_GAP')
    expect(json<HistoryResponse>(await t.call('GET', `${path}/history`)).steps).toEqual([0])
  })

  it('reports rows dropped by the step rule through /rejected', async () => {
    const { run } = await createRun('p')
    const path = `${RUNS}/admin/p/${run.id}`
    const rejected = [{ attemptedStep: 2, currentStep: 5, keys: ['x'], timestamp: 1_767_225_700 }]
    await t.call('POST', `${path}/batches`, batch(1, 0, [{ x: 0 }, { x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]))
    const res = await t.call('POST', `${path}/batches`, { writerId: 'writer-1', seq: 2, rejected })
    expect(res.statusCode, res.body).toBe(200)
    expect(json(await t.call('GET', `${path}/rejected`))).toEqual({ rows: rejected, total: 1 })
    expect(json<RunDto>(await t.call('GET', path)).rejectedCount).toBe(1)
  })

  it('carries NaN and ±Infinity as strings in history columns and buckets', async () => {
    const { run } = await createRun('p')
    const path = `${RUNS}/admin/p/${run.id}`
    const body = JSON.stringify(batch(1, 0, [{ x: 1 }, { x: 2 }, { x: 3 }])).replace(
      '[1,2,3]',
      '[1,"NaN","-Infinity"]',
    )
    expect((await t.call('POST', `${path}/batches`, body)).statusCode).toBe(200)
    const history = json<HistoryResponse>(await t.call('GET', `${path}/history`))
    expect(history.columns.x).toEqual([1, 'NaN', '-Infinity'])
    const summary = json(await t.call('GET', `${path}/summary`))
    expect(summary.x).toBe('-Infinity')
  })

  it('returns stop requests as control signals, on acks and heartbeats', async () => {
    const { run } = await createRun('p')
    const path = `${RUNS}/admin/p/${run.id}`
    const stopped = await t.call('POST', `${path}/stop`)
    expect(json<RunDto>(stopped).stopRequested).toBe(true)
    const ack = json<IngestResponse>(await t.call('POST', `${path}/batches`, batch(1, 0, [{ x: 1 }])))
    expect(ack.control.stopRequested).toBe(true)
    expect(json(await t.call('POST', `${path}/heartbeat`))).toEqual({
      control: { stopRequested: true },
      state: 'running',
    })
  })

  it('kills a crashed run at once, since no process is left to stop, and leaves ended runs alone', async () => {
    const { run: silent } = await createRun('p', { heartbeatTimeoutS: 30 })
    const { run: ended } = await createRun('p')
    await t.call('POST', `${RUNS}/admin/p/${ended.id}/batches`, {
      writerId: 'w',
      seq: 1,
      exit: { state: 'finished', exitCode: 0 },
    })
    t.clock.now += 31_000
    const stopped = json<RunDto>(await t.call('POST', `${RUNS}/admin/p/${silent.id}/stop`))
    expect(stopped).toMatchObject({ state: 'killed', stopRequested: false })
    expect(stopped.finishedAt).not.toBeNull()
    const untouched = json<RunDto>(await t.call('POST', `${RUNS}/admin/p/${ended.id}/stop`))
    expect(untouched).toMatchObject({ state: 'finished', stopRequested: false })
  })
})

describe('runs', () => {
  it('derives crashed from an old heartbeat and revives the run on new data', async () => {
    const { run } = await createRun('p', { heartbeatTimeoutS: 30 })
    const path = `${RUNS}/admin/p/${run.id}`
    t.clock.now += 31_000
    expect(json<RunDto>(await t.call('GET', path)).state).toBe('crashed')
    await t.call('POST', `${path}/batches`, batch(1, 0, [{ x: 1 }]))
    expect(json<RunDto>(await t.call('GET', path)).state).toBe('running')
    t.clock.now += 29_000
    expect(json<RunDto>(await t.call('GET', path)).state).toBe('running')
    t.clock.now += 2_000
    expect(json<RunDto>(await t.call('GET', path)).state).toBe('crashed')
    await t.call('POST', `${path}/heartbeat`)
    expect(json<RunDto>(await t.call('GET', path)).state).toBe('running')
  })

  it('filters the runs list by the derived crashed state', async () => {
    const { run: silent } = await createRun('crashes', { heartbeatTimeoutS: 30 })
    t.clock.now += 20_000
    const { run: alive } = await createRun('crashes', { heartbeatTimeoutS: 30 })
    t.clock.now += 15_000
    const list = async (state: string) =>
      json<RunListResponse>(
        await t.call('GET', `${RUNS}/admin/crashes?filter=${encodeURIComponent(JSON.stringify({ state }))}`),
      ).runs.map((r) => r.id)
    expect(await list('crashed')).toEqual([silent.id])
    expect(await list('running')).toEqual([alive.id])
  })

  it('lists with filter, order and cursor paging; patches; deletes', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      t.clock.now += 1000
      const { run } = await createRun('list', { id: `run${i}`, tags: i % 2 ? ['odd'] : [] })
      ids.push(run.id)
    }
    const page1 = json<RunListResponse>(await t.call('GET', `${RUNS}/admin/list?limit=2&order=createdAt`))
    expect(page1.runs.map((r) => r.id)).toEqual(['run0', 'run1'])
    expect(page1.total).toBe(5)
    const page2 = json<RunListResponse>(
      await t.call('GET', `${RUNS}/admin/list?limit=2&order=createdAt&cursor=${page1.nextCursor}`),
    )
    expect(page2.runs.map((r) => r.id)).toEqual(['run2', 'run3'])
    // A virtual table jumps straight to a row; a cursor, when given, wins over the offset.
    const jumped = json<RunListResponse>(
      await t.call('GET', `${RUNS}/admin/list?limit=2&order=createdAt&offset=3`),
    )
    expect(jumped.runs.map((r) => r.id)).toEqual(['run3', 'run4'])
    expect(jumped.nextCursor).toBeNull()
    const both = json<RunListResponse>(
      await t.call('GET', `${RUNS}/admin/list?limit=2&order=createdAt&offset=4&cursor=${page1.nextCursor}`),
    )
    expect(both.runs.map((r) => r.id)).toEqual(['run2', 'run3'])
    expect((await t.call('GET', `${RUNS}/admin/list?offset=-1`)).statusCode).toBe(422)
    const newest = json<RunListResponse>(await t.call('GET', `${RUNS}/admin/list?order=-createdAt&limit=1`))
    expect(newest.runs[0]!.id).toBe('run4')
    const filter = encodeURIComponent(JSON.stringify({ tags: 'odd' }))
    const odd = json<RunListResponse>(
      await t.call('GET', `${RUNS}/admin/list?filter=${filter}&order=createdAt`),
    )
    expect(odd.runs.map((r) => r.id)).toEqual(['run1', 'run3'])
    expect(
      (await t.call('GET', `${RUNS}/admin/list?filter=${encodeURIComponent('{"$bad":1}')}`)).statusCode,
    ).toBe(422)
    expect((await t.call('GET', `${RUNS}/admin/list?cursor=nonsense`)).statusCode).toBe(422)

    const patched = await t.call('PATCH', `${RUNS}/admin/list/run0`, {
      name: 'renamed',
      notes: 'n',
      tags: ['a'],
    })
    expect(json<RunDto>(patched)).toMatchObject({ name: 'renamed', notes: 'n', tags: ['a'] })
    expect((await t.call('DELETE', `${RUNS}/admin/list/run0`)).statusCode).toBe(204)
    const gone = await t.call('GET', `${RUNS}/admin/list/run0`)
    expect(gone.statusCode).toBe(404)
    expect(json<{ error: { code: string } }>(gone).error.code).toBe('RUN_NOT_FOUND')
    // The history reads find the run in the store's own read; their 404 is the run route's.
    for (const read of ['history', 'history/buckets?key=loss', 'history/keys']) {
      const res = await t.call('GET', `${RUNS}/admin/list/run0/${read}`)
      expect(res.statusCode, read).toBe(404)
      expect(json<{ error: unknown }>(res).error, read).toEqual(json<{ error: unknown }>(gone).error)
    }
  })

  it('validates path parameters before using them', async () => {
    for (const bad of ['..', '%2e%2e', '-x', 'a%2Fb', '%00']) {
      const res = await t.call('GET', `${RUNS}/${bad}/p/abc`)
      expect(res.statusCode, bad).toBeGreaterThanOrEqual(400)
      expect(res.statusCode, bad).toBeLessThan(500)
    }
    const badId = await t.call('GET', `${RUNS}/admin/p/a%3Bb`)
    expect(json<{ error: { code: string } }>(badId).error.code).toBe('INVALID_RUN_ID')
  })
})

describe('over a real socket', () => {
  it('serves the viewer and ingest over HTTP with Bearer and Basic auth', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const bearer = { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' }
    const basic = { authorization: `Basic ${Buffer.from(`api:${t.adminKey}`).toString('base64')}` }
    const viewer = await fetch(`${address}/api/v1/viewer`, { headers: basic })
    expect(await viewer.json()).toEqual({ username: 'admin', entity: 'admin', isAdmin: true })
    const init = await fetch(`${address}${RUNS}`, {
      method: 'POST',
      headers: bearer,
      body: '{"project":"sock"}',
    })
    expect(init.status).toBe(201)
    const { run } = (await init.json()) as InitResponse
    const ack = await fetch(`${address}${RUNS}/admin/sock/${run.id}/batches`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify(batch(1, 0, [{ y: 2 }])),
    })
    expect(await ack.json()).toMatchObject({ committedSeq: 1 })
    const unauthenticated = await fetch(`${address}${RUNS}/admin/sock/${run.id}`)
    expect(unauthenticated.status).toBe(401)
  })

  it('builds run URLs from a publicUrl learned after listen()', async () => {
    let base = 'unset'
    const s = await startApp({ publicUrl: () => base })
    try {
      base = await s.app.listen({ port: 0, host: '127.0.0.1' })
      const res = await fetch(`${base}${RUNS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' },
        body: '{"project":"late","id":"late1"}',
      })
      expect(((await res.json()) as InitResponse).run.url).toBe(`${base}/admin/late/runs/late1`)
    } finally {
      await s.close()
    }
  })
})
