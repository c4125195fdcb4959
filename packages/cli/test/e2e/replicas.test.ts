import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as stemma from '@stemma/sdk'
import { startMoto, type MotoServer } from '../../../store/test/helpers/moto.js'
import { createTestDatabase } from '../../../store/test/helpers/postgres-db.js'
import { initAgainst } from '../helpers/sdk.js'
import { API_KEY, startServer, type TestServer } from '../helpers/server.js'

// Two `stemma server` processes on one PostgreSQL and one S3-compatible object store: whatever
// is logged through one is read, forked, rewound and stopped through the other.
const AWS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' }

let moto: MotoServer
let dropDb: () => Promise<void>
let a: TestServer
let b: TestServer

beforeAll(async () => {
  moto = await startMoto()
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  await s3.send(new CreateBucketCommand({ Bucket: 'stemma-blobs' }))
  s3.destroy()
  const db = await createTestDatabase()
  dropDb = db.drop
  const replica = () =>
    startServer({
      args: [
        '--database-url',
        db.url,
        '--blob-url',
        's3://stemma-blobs/files',
        '--s3-endpoint',
        moto.endpoint,
      ],
      env: AWS,
    })
  // Started together: migrations must run once.
  ;[a, b] = await Promise.all([replica(), replica()])
  // moto, a database and two servers: on a loaded 2-core machine this can outlast the default.
}, 120_000)
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await dropDb?.()
  await moto?.stop()
})

const apiOf = (server: TestServer) => new stemma.Api({ baseUrl: server.baseUrl, apiKey: API_KEY })

describe('two replicas on one PostgreSQL and one object store', () => {
  it('reads through B what was logged through A, then forks and rewinds it through B', async () => {
    await expect.poll(() => a.output()).toContain('database: PostgreSQL')
    const run = await initAgainst(a, { project: 'replicas', config: { lr: 0.01 } })
    for (let i = 0; i < 300; i++) run.log({ metric: i, loss: 1 / (i + 1) })
    await run.finish()

    const viaB = await apiOf(b).run(run.path)
    expect(viaB.state).toBe('finished')
    expect(viaB.config).toEqual({ lr: 0.01 })
    const rows = await viaB.history({ keys: ['metric'] })
    expect(rows.map((r) => r.metric)).toEqual(Array.from({ length: 300 }, (_, i) => i))

    const fork = await initAgainst(b, { project: 'replicas', forkFrom: `${run.id}?_step=200` })
    expect(fork.startingStep).toBe(201)
    fork.log({ metric: -1 })
    await fork.finish()
    const forkViaA = await (await apiOf(a).run(fork.path)).history({ keys: ['metric'] })
    expect(forkViaA.map((r) => [r._step, r.metric])).toEqual([
      ...Array.from({ length: 201 }, (_, i) => [i, i]),
      [201, -1],
    ])

    const rewound = await initAgainst(b, { project: 'replicas', resumeFrom: `${run.id}?_step=99` })
    expect(rewound.id).toBe(run.id)
    rewound.log({ metric: 1000 })
    await rewound.finish()
    const afterRewind = await apiOf(a).run(run.path)
    expect((await afterRewind.lineage()).rewinds).toHaveLength(1)
    expect((await afterRewind.history({ keys: ['metric'] })).map((r) => r.metric)).toEqual([
      ...Array.from({ length: 100 }, (_, i) => i),
      1000,
    ])
  })

  it('stops through B a run that logs through A', async () => {
    let stopped = false
    const run = await initAgainst(a, {
      project: 'replicas',
      settings: { quiet: true, stopAction: 'callback', onStopRequested: () => (stopped = true) },
    })
    const started = Date.now()
    run.log({ step_metric: 0 })
    await b.json(`/api/v1/runs/${run.path}/stop`, { method: 'POST' })
    for (let i = 1; !stopped && Date.now() - started < 20_000; i++) {
      run.log({ step_metric: i })
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(stopped).toBe(true)
    expect((await apiOf(b).run(run.path)).state).toBe('killed')
  })

  it('commits 2 × 16 concurrent writers split over both replicas, re-sent batches once', async () => {
    const runs = 32
    const batches = 10
    const rowsPerBatch = 200
    const post = (server: TestServer, path: string, body: unknown) =>
      server.json<{ committedSeq: number; duplicate: boolean }>(path, {
        method: 'POST',
        body: JSON.stringify(body),
      })
    await Promise.all(
      Array.from({ length: runs }, async (_, w) => {
        const home = w % 2 === 0 ? a : b
        const other = home === a ? b : a
        const id = `writer${w}`
        await post(home, '/api/v1/runs', { project: 'concurrent', id })
        for (let seq = 1; seq <= batches; seq++) {
          const first = (seq - 1) * rowsPerBatch
          const steps = Array.from({ length: rowsPerBatch }, (_, i) => first + i)
          const body = {
            writerId: 'w',
            seq,
            history: {
              steps,
              runtime: steps,
              timestamp: steps.map((s) => 1.7e9 + s),
              columns: { x: steps, y: steps.map((s) => s * w) },
            },
          }
          const path = `/api/v1/runs/admin/concurrent/${id}/batches`
          // The same batch to both replicas at once, as a client retrying after a lost ack would.
          const [one, two] = await Promise.all([post(home, path, body), post(other, path, body)])
          expect([one.duplicate, two.duplicate].sort()).toEqual([false, true])
        }
      }),
    )
    for (let w = 0; w < runs; w++) {
      const rows = await (
        await apiOf(w % 2 ? a : b).run(`admin/concurrent/writer${w}`)
      ).history({ keys: ['y'] })
      expect(rows).toHaveLength(batches * rowsPerBatch)
      expect(rows.at(-1)).toMatchObject({
        _step: batches * rowsPerBatch - 1,
        y: (batches * rowsPerBatch - 1) * w,
      })
    }
  })

  it('answers its health probes without a key on both replicas', async () => {
    for (const server of [a, b]) {
      for (const path of ['/healthz', '/readyz']) {
        const res = await server.request(path, { key: null })
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ status: 'ok' })
      }
    }
  })
})
