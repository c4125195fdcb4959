import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { StemmaError } from '@stemma/core'
import type { BlobStore, Database, Store } from '@stemma/store'
import { createServer } from '@stemma/server'
import { json, startApp, type TestApp } from './helpers.js'

let t: TestApp
let down: FastifyInstance
let blobsDown: FastifyInstance
const outage = () =>
  new StemmaError('UNAVAILABLE', 'The database is unavailable (ECONNREFUSED); retry shortly.', {
    retryAfterS: 2,
  })

beforeAll(async () => {
  t = await startApp()
  // The same store, except that the database has gone away under it.
  const database: Database = { ...t.store.database, ping: () => Promise.reject(outage()) }
  const history = new Proxy(t.store.history, {
    get: (target, prop, receiver) =>
      prop === 'ingest' ? () => Promise.reject(outage()) : Reflect.get(target, prop, receiver),
  })
  const store: Store = { ...t.store, database, history, close: async () => {} }
  down = createServer({ store, publicUrl: 'http://x' })
  const blobs = { check: () => Promise.reject(new Error('bucket gone')) } as unknown as BlobStore
  blobsDown = createServer({ store: { ...t.store, close: async () => {} }, blobs, publicUrl: 'http://x' })
  await Promise.all([down.ready(), blobsDown.ready()])
})
afterAll(async () => {
  await Promise.all([down.close(), blobsDown.close()])
  await t.close()
})

it('answers ingest during a database outage with 503 and Retry-After, so clients keep their data and retry', async () => {
  await t.call('POST', '/api/v1/runs', { project: 'p', id: 'out1' })
  const res = await down.inject({
    method: 'POST',
    url: '/api/v1/runs/admin/p/out1/batches',
    headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ writerId: 'w', seq: 1 }),
  })
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('2')
  expect(json(res)).toMatchObject({ error: { code: 'UNAVAILABLE' } })
})

it('reports not ready when the database or the blob store does not answer, and says nothing more', async () => {
  for (const app of [down, blobsDown]) {
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(json(res)).toEqual({ status: 'not ok' })
    // Liveness is the process alone: a load balancer must not restart it for a database outage.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  }
})
