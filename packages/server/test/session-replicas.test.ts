import { afterEach, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { CSRF_HEADER, SESSION_COOKIE, type SessionResponse } from '@stemma/core'
import { openPostgresStore, type Store } from '@stemma/store'
import { createServer, ensureAdmin } from '@stemma/server'
import { createTestDatabase } from '../../store/test/helpers/postgres-db.js'
import { json } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function replica(url: string): Promise<{ app: FastifyInstance; store: Store }> {
  const store = await openPostgresStore({ url, maxConnections: 4 })
  const app = createServer({ store, publicUrl: 'http://stemma.test' })
  await app.ready()
  cleanups.push(async () => {
    await app.close()
    await store.close()
  })
  return { app, store }
}

async function signIn(app: FastifyInstance, apiKey: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/session',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiKey }),
  })
  expect(res.statusCode, res.body).toBe(200)
  const token = /^stemma_session=([^;]+);/.exec(res.headers['set-cookie'] as string)![1]!
  return { token, csrfToken: json<SessionResponse>(res).csrfToken! }
}

it('a session signed in on one replica works on another: the signing key is in the database', async () => {
  const db = await createTestDatabase()
  cleanups.push(db.drop)
  const a = await replica(db.url)
  const b = await replica(db.url)
  const key = (await ensureAdmin(a.store, { now: Date.now() })).apiKey!
  // Both replicas load the secret at once, as two fresh processes behind a balancer would.
  const [onA, onB] = await Promise.all([signIn(a.app, key), signIn(b.app, key)])
  for (const [session, other] of [
    [onA, b],
    [onB, a],
  ] as const) {
    const cookie = `${SESSION_COOKIE}=${session.token}`
    const viewer = await other.app.inject({ method: 'GET', url: '/api/v1/viewer', headers: { cookie } })
    expect(viewer.statusCode, viewer.body).toBe(200)
    const created = await other.app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      headers: { cookie, [CSRF_HEADER]: session.csrfToken, 'content-type': 'application/json' },
      payload: JSON.stringify({ project: 'p' }),
    })
    expect(created.statusCode, created.body).toBe(201)
  }
})
