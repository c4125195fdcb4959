import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { json, startApp, type TestApp } from '../helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
})
afterEach(() => t.close())

const basic = () => `Basic ${Buffer.from(`api:${t.adminKey}`).toString('base64')}`
const RUN = '/api/v1/runs/admin/p/r1'

function graphql(query: string, variables: Record<string, unknown> = {}) {
  return t.app
    .inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', authorization: basic() },
      payload: JSON.stringify({ query, variables }),
    })
    .then((res) => json<{ data?: Record<string, unknown>; errors?: { message: string }[] }>(res))
}

function stream(body: unknown, runId = 'r1') {
  return t.app.inject({
    method: 'POST',
    url: `/files/admin/p/${runId}/file_stream`,
    headers: { 'content-type': 'application/json', authorization: basic() },
    payload: JSON.stringify(body),
  })
}

const UPSERT = `mutation UpsertBucket($name: String, $project: String, $config: JSONString, $id: String) {
  upsertBucket(input: { name: $name, modelName: $project, config: $config, id: $id }) {
    bucket { id name displayName historyLineCount project { name entity { name } } } inserted } }`

const historyLine = (step: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    _step: step,
    _runtime: step / 10,
    _timestamp: 1_700_000_000 + step,
    loss: 1 / (step + 1),
    ...extra,
  })

async function createRun(config = '{"lr": {"value": 0.1}, "_wandb": {"value": {"t": {"1": [1]}}}}') {
  const res = await graphql(UPSERT, { name: 'r1', project: 'p', config })
  expect(res.errors).toBeUndefined()
  return res.data!.upsertBucket as { bucket: { id: string; historyLineCount: number }; inserted: boolean }
}

describe('W&B file_stream', () => {
  it('creates the run on UpsertBucket with the config unwrapped', async () => {
    const created = await createRun()
    expect(created.inserted).toBe(true)
    expect(created.bucket.historyLineCount).toBe(0)
    const run = json<{ config: unknown; state: string; name: string }>(await t.call('GET', RUN))
    expect(run.config).toEqual({ lr: 0.1 })
    expect(run.state).toBe('running')
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-\d+$/)
  })

  it('applies a re-sent request once', async () => {
    await createRun()
    const body = {
      files: {
        'wandb-history.jsonl': { offset: 0, content: [historyLine(0), historyLine(1)] },
        'wandb-events.jsonl': {
          offset: 0,
          content: ['{"_wandb":true,"_timestamp":1700000001,"system.cpu":12.5}'],
        },
        'output.log': { offset: 0, content: ['2026-01-01T00:00:00.000000 hello'] },
        'wandb-summary.json': { offset: 0, content: ['{"loss":0.5,"_step":1}'] },
      },
    }
    for (let i = 0; i < 3; i++) {
      const res = await stream(body)
      expect(res.statusCode).toBe(200)
      expect(json(res)).toEqual({ stopped: false, exitcode: null, limits: {} })
    }
    const history = json<{ steps: number[] }>(await t.call('GET', `${RUN}/history`))
    expect(history.steps).toEqual([0, 1])
    expect(json<{ samples: unknown[] }>(await t.call('GET', `${RUN}/system`)).samples).toHaveLength(1)
    expect(json<{ lines: { line: string }[] }>(await t.call('GET', `${RUN}/console`)).lines).toEqual([
      { t: Date.parse('2026-01-01T00:00:00Z'), stream: 'stdout', line: 'hello' },
    ])
    expect(json<{ summary: { loss: number } }>(await t.call('GET', RUN)).summary.loss).toBe(0.5)
  })

  it('refuses lines that go back over held ones or skip ahead, and stores nothing of that request', async () => {
    await createRun()
    await stream({
      files: { 'wandb-history.jsonl': { offset: 0, content: [historyLine(0), historyLine(1)] } },
    })
    const overlap = await stream({
      files: {
        'wandb-history.jsonl': { offset: 1, content: [historyLine(1), historyLine(2)] },
        'output.log': { offset: 0, content: ['2026-01-01T00:00:00.000000 not kept'] },
      },
    })
    expect(overlap.statusCode).toBe(409)
    expect(json<{ error: { message: string } }>(overlap).error.message).toMatch(
      /go back over lines .* holds \(2\)/,
    )
    const gap = await stream({ files: { 'wandb-history.jsonl': { offset: 5, content: [historyLine(5)] } } })
    expect(gap.statusCode).toBe(409)
    expect(json<{ error: { message: string } }>(gap).error.message).toMatch(/lines 2–4 are missing/)
    expect(json<{ steps: number[] }>(await t.call('GET', `${RUN}/history`)).steps).toEqual([0, 1])
    expect(json<{ lines: unknown[] }>(await t.call('GET', `${RUN}/console`)).lines).toEqual([])
  })

  it('refuses a line that is not JSON, or too long, naming it', async () => {
    await createRun()
    const bad = await stream({
      files: {
        'wandb-history.jsonl': { offset: 0, content: [historyLine(0), '{"loss": '] },
        'output.log': { offset: 0, content: ['2026-01-01T00:00:00.000000 not kept'] },
      },
    })
    expect(bad.statusCode).toBe(422)
    expect(json<{ error: { message: string } }>(bad).error.message).toBe(
      'Line 1 of wandb-history.jsonl is not JSON; nothing in this request was stored.',
    )
    const long = await stream({
      files: { 'output.log': { offset: 0, content: ['x'.repeat(10 * 1024 * 1024)] } },
    })
    expect(long.statusCode).toBe(413)
    expect(json<{ steps: number[] }>(await t.call('GET', `${RUN}/history`)).steps).toEqual([])
    expect(json<{ lines: unknown[] }>(await t.call('GET', `${RUN}/console`)).lines).toEqual([])
  })

  it('records a line behind the run’s step as a refused row, which keeps its line', async () => {
    await createRun()
    await stream({
      files: { 'wandb-history.jsonl': { offset: 0, content: [historyLine(3), historyLine(3, { loss: 7 })] } },
    })
    const next = await stream({
      files: { 'wandb-history.jsonl': { offset: 2, content: [historyLine(1), historyLine(4)] } },
    })
    expect(next.statusCode).toBe(200)
    expect(json<{ steps: number[] }>(await t.call('GET', `${RUN}/history`)).steps).toEqual([3, 4])
    const rejected = json<{ rows: { attemptedStep: number; currentStep: number }[] }>(
      await t.call('GET', `${RUN}/rejected`),
    )
    expect(rejected.rows.map((r) => [r.attemptedStep, r.currentStep])).toEqual([
      [3, 3],
      [1, 3],
    ])
  })

  it('reads NaN and Infinity in lines, and keeps nested keys with dots', async () => {
    await createRun()
    const line =
      '{"_step":0,"_runtime":0.1,"_timestamp":1700000000,"v":NaN,"w":-Infinity,"d":{"a":1},"s":"NaN text"}'
    expect(
      (await stream({ files: { 'wandb-history.jsonl': { offset: 0, content: [line] } } })).statusCode,
    ).toBe(200)
    const history = json<{ columns: Record<string, unknown[]>; values: { key: string; value: unknown }[] }>(
      await t.call('GET', `${RUN}/history`),
    )
    expect(history.columns).toEqual({ v: ['NaN'], w: ['-Infinity'], 'd.a': [1] })
    expect(history.values).toEqual([{ step: 0, key: 's', value: 'NaN text' }])
  })

  it('rewrites a console line a terminal redrew', async () => {
    await createRun()
    await stream({ files: { 'output.log': { offset: 0, content: ['2026-01-01T00:00:00.000000 10%'] } } })
    await stream({
      files: {
        'output.log': {
          offset: 0,
          content: ['2026-01-01T00:00:01.000000 100%', 'ERROR 2026-01-01T00:00:01.000000 oops'],
        },
      },
    })
    const lines = json<{ lines: { stream: string; line: string }[] }>(
      await t.call('GET', `${RUN}/console`),
    ).lines
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ['stdout', '100%'],
      ['stderr', 'oops'],
    ])
  })

  it('ends the run by exit code, and killed once a stop was asked for', async () => {
    await createRun()
    await stream({ complete: true, exitcode: 1 })
    expect(json<{ state: string; exitCode: number }>(await t.call('GET', RUN))).toMatchObject({
      state: 'failed',
      exitCode: 1,
    })

    await graphql(UPSERT, { name: 'r2', project: 'p' })
    expect((await t.call('POST', '/api/v1/runs/admin/p/r2/stop')).statusCode).toBe(200)
    const heartbeat = await stream({}, 'r2')
    expect(json(heartbeat)).toMatchObject({ stopped: true })
    await stream({ complete: true, exitcode: 255 }, 'r2')
    expect(json<{ state: string }>(await t.call('GET', '/api/v1/runs/admin/p/r2')).state).toBe('killed')
  })

  it('does not apply a stale writer’s lines to a run rewound under it', async () => {
    await createRun()
    await stream({
      files: { 'wandb-history.jsonl': { offset: 0, content: [0, 1, 2, 3].map((s) => historyLine(s)) } },
    })
    const rewound = await graphql(
      `
        mutation RewindRun($runName: String!, $metricValue: Float!) {
          rewindRun(
            input: { runName: $runName, projectName: "p", metricName: "_step", metricValue: $metricValue }
          ) {
            rewoundRun {
              historyLineCount
            }
          }
        }
      `,
      { runName: 'r1', metricValue: 1 },
    )
    expect(rewound.data).toEqual({ rewindRun: { rewoundRun: { historyLineCount: 2 } } })
    // The process that wrote lines 0–3 retries line 4: it belongs to the archived run.
    const stale = await stream({ files: { 'wandb-history.jsonl': { offset: 4, content: [historyLine(4)] } } })
    expect(stale.statusCode).toBe(409)
    const fresh = await stream({
      files: { 'wandb-history.jsonl': { offset: 2, content: [historyLine(2, { loss: 9 })] } },
    })
    expect(fresh.statusCode).toBe(200)
    const history = json<{ steps: number[]; columns: { loss: number[] } }>(
      await t.call('GET', `${RUN}/history`),
    )
    expect(history.steps).toEqual([0, 1, 2])
    expect(history.columns.loss[2]).toBe(9)
  })

  it('answers RunResumeStatus with counts, an integer _step and the wrapped config', async () => {
    await createRun()
    await stream({
      files: {
        'wandb-history.jsonl': { offset: 0, content: [historyLine(0), historyLine(1, { v: Infinity })] },
        'output.log': {
          offset: 0,
          content: ['2026-01-01T00:00:00.000000 a', '2026-01-01T00:00:00.000000 b'],
        },
      },
    })
    const res = await graphql(
      `
        query RunResumeStatus($project: String, $entity: String, $name: String!) {
          model(name: $project, entityName: $entity) {
            id
            name
            entity {
              id
              name
            }
            bucket(name: $name, missingOk: true) {
              id
              name
              summaryMetrics
              displayName
              logLineCount
              historyLineCount
              eventsLineCount
              historyTail
              eventsTail
              config
              tags
              notes
              wandbConfig(keys: ["t"])
            }
          }
        }
      `,
      { project: 'p', name: 'r1' },
    )
    const bucket = (res.data as { model: { bucket: Record<string, unknown> } }).model.bucket
    expect(bucket).toMatchObject({
      name: 'r1',
      historyLineCount: 2,
      logLineCount: 2,
      eventsLineCount: 0,
      eventsTail: '[]',
    })
    expect(bucket.config).toBe('{"lr":{"value":0.1},"_wandb":{"value":{"t":{"1":[1]}}}}')
    expect(bucket.wandbConfig).toBe('{"t":{"1":[1]}}')
    const tail = JSON.parse(bucket.historyTail as string) as string[]
    expect(tail).toHaveLength(1)
    expect(tail[0]).toMatch(/"_step":1[,}]/)
    const missing = await graphql(`
      query {
        model(name: "p") {
          bucket(name: "nope", missingOk: true) {
            id
          }
        }
      }
    `)
    expect(missing.data).toEqual({ model: { bucket: null } })
  })
})

describe('W&B access', () => {
  it('keeps another user out of a run, by name or by storage id', async () => {
    const created = await createRun()
    const key = await t.addUser('bob')
    const asBob = (query: string, variables: Record<string, unknown>) =>
      t.app
        .inject({
          method: 'POST',
          url: '/graphql',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}`,
          },
          payload: JSON.stringify({ query, variables }),
        })
        .then((res) => json<{ data?: unknown; errors?: { message: string }[] }>(res))
    const read = await asBob(
      `query { project(entityName: "admin", name: "p") { run(name: "r1") { config } } }`,
      {},
    )
    expect(read.errors?.[0]?.message).toMatch(/admin/)
    expect(JSON.stringify(read.data ?? null)).not.toContain('lr')
    for (const id of [created.bucket.id, Buffer.from('Run:admin/p/nope').toString('base64')]) {
      const write = await asBob(UPSERT, { id, config: '{"lr": {"value": 9}}' })
      expect(write.errors?.[0]?.message).toMatch(/admin/)
    }
    const stream = await t.app.inject({
      method: 'POST',
      url: '/files/admin/p/r1/file_stream',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      payload: '{}',
    })
    expect(stream.statusCode).toBe(403)
    expect(json<{ config: unknown }>(await t.call('GET', RUN)).config).toEqual({ lr: 0.1 })
  })
})

describe('W&B run file uploads', () => {
  it('signs absolute upload URLs that take the bytes without a key, and only for the name signed', async () => {
    await createRun()
    const res = await graphql(
      `
        mutation CreateRunFiles($files: [String!]!) {
          createRunFiles(input: { entityName: "admin", projectName: "p", runName: "r1", files: $files }) {
            runID
            uploadHeaders
            files {
              name
              uploadUrl
            }
          }
        }
      `,
      { files: ['./notes.txt', '../escape.txt'] },
    )
    const payload = (res.data as { createRunFiles: { files: { name: string; uploadUrl: string | null }[] } })
      .createRunFiles
    expect(payload.files.map((f) => f.name)).toEqual(['./notes.txt', '../escape.txt'])
    expect(payload.files[1]!.uploadUrl).toBeNull()
    const url = new URL(payload.files[0]!.uploadUrl!)
    expect(url.origin).toBe('http://stemma.test')
    const put = await t.app.inject({
      method: 'PUT',
      url: url.pathname,
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    })
    expect(put.statusCode).toBe(200)
    const download = await t.call('GET', `${RUN}/files/notes.txt`)
    expect(download.body).toBe('hello')

    // The signature covers the name: the same token for another name is refused.
    const other = url.pathname.replace(/notes\.txt$/, 'other.txt')
    const refused = await t.app.inject({ method: 'PUT', url: other, payload: 'x' })
    expect(refused.statusCode).toBe(403)
  })

  it('answers the telemetry probe with 404 without a key', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/sdk/otel/v1/metrics', payload: '' })
    expect(res.statusCode).toBe(404)
  })
})
