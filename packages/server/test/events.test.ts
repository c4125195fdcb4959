import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { openPostgresStore, type Store } from '@stemma/store'
import { createServer, ensureAdmin } from '@stemma/server'
import { createTestDatabase } from '../../store/test/helpers/postgres-db.js'
import { batch, startApp, type TestApp } from './helpers.js'
import { subscribe, type EventStream } from './sse-client.js'

const json = { 'content-type': 'application/json' }
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function post(base: string, key: string, path: string, body: unknown = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  })
  expect(res.status, await res.clone().text()).toBeLessThan(300)
  return res.json()
}

async function stream(base: string, key: string, runId: string): Promise<EventStream> {
  const s = await subscribe(`${base}/api/v1/runs/admin/p/${runId}/events`, key)
  cleanups.push(() => s.close())
  return s
}

describe('run events', () => {
  let t: TestApp
  it('streams the state on connect, then data, stop and the final state', async () => {
    t = await startApp()
    cleanups.push(() => t.close())
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' })
    await post(base, t.adminKey, '/api/v1/runs', { project: 'p', id: 'live' })
    const events = await stream(base, t.adminKey, 'live')
    expect(await events.next(() => true)).toMatchObject({ type: 'state', state: 'running', lastStep: null })
    await post(base, t.adminKey, '/api/v1/runs/admin/p/live/batches', batch(1, 0, [{ a: 1 }, { a: 2 }]))
    expect(await events.next((e) => e.type === 'data')).toMatchObject({ lastStep: 1 })
    await post(base, t.adminKey, '/api/v1/runs/admin/p/live/stop')
    expect(await events.next((e) => e.type === 'stop')).toMatchObject({ stopRequested: true })
    await post(base, t.adminKey, '/api/v1/runs/admin/p/live/batches', {
      ...batch(2, 2, []),
      exit: { state: 'killed', exitCode: 255 },
    })
    expect(await events.next((e) => e.type === 'state')).toMatchObject({ state: 'killed' })
  })

  it('streams every run of a project on one connection, and nothing of other projects', async () => {
    t = await startApp()
    cleanups.push(() => t.close())
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' })
    await post(base, t.adminKey, '/api/v1/runs', { project: 'p', id: 'one' })
    await post(base, t.adminKey, '/api/v1/runs', { project: 'p', id: 'two' })
    await post(base, t.adminKey, '/api/v1/runs', { project: 'other', id: 'elsewhere' })
    const events = await subscribe(`${base}/api/v1/projects/admin/p/events`, t.adminKey)
    cleanups.push(() => events.close())
    await post(base, t.adminKey, '/api/v1/runs/admin/other/elsewhere/batches', batch(1, 0, [{ a: 1 }]))
    await post(base, t.adminKey, '/api/v1/runs/admin/p/one/batches', batch(1, 0, [{ a: 1 }]))
    await post(base, t.adminKey, '/api/v1/runs/admin/p/two/batches', batch(1, 0, [{ a: 1 }, { a: 2 }]))
    expect(await events.next((e) => e.runId === 'one')).toMatchObject({ type: 'data', lastStep: 0 })
    expect(await events.next((e) => e.runId === 'two')).toMatchObject({ type: 'data', lastStep: 1 })
    expect(events.events.map((e) => e.project)).not.toContain('other')
    const other = await t.call('GET', '/api/v1/projects/admin/p/events', undefined, null)
    expect(other.statusCode).toBe(401)
  })

  it('refuses a stream without a key and for a run that does not exist', async () => {
    t = await startApp()
    cleanups.push(() => t.close())
    expect((await t.call('GET', '/api/v1/runs/admin/p/nope/events', undefined, null)).statusCode).toBe(401)
    expect((await t.call('GET', '/api/v1/runs/admin/p/nope/events')).statusCode).toBe(404)
  })
})

describe('run events across replicas (PostgreSQL LISTEN/NOTIFY)', () => {
  async function replica(url: string): Promise<{ app: FastifyInstance; base: string; store: Store }> {
    const store = await openPostgresStore({ url, maxConnections: 4 })
    const app = createServer({ store, publicUrl: 'http://x' })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(async () => {
      await app.close()
      await store.close()
    })
    return { app, base, store }
  }

  it('delivers a stop requested through one replica to a subscriber on the other', async () => {
    const db = await createTestDatabase()
    cleanups.push(db.drop)
    const a = await replica(db.url)
    const b = await replica(db.url)
    const key = (await ensureAdmin(a.store, { now: Date.now() })).apiKey!
    await post(a.base, key, '/api/v1/runs', { project: 'p', id: 'x1' })
    const onA = await stream(a.base, key, 'x1')
    await onA.next((e) => e.type === 'state')
    await post(b.base, key, '/api/v1/runs/admin/p/x1/batches', batch(1, 0, [{ a: 1 }]))
    expect(await onA.next((e) => e.type === 'data')).toMatchObject({ lastStep: 0 })
    await post(b.base, key, '/api/v1/runs/admin/p/x1/stop')
    expect(await onA.next((e) => e.type === 'stop')).toMatchObject({ runId: 'x1', stopRequested: true })
  })
})
