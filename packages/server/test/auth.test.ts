import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '@stemma/store'
import { ensureAdmin, generateApiKey, hashApiKey } from '@stemma/server'
import { json, startAppWithRoutes, webRootFixture, type RegisteredRoute, type TestApp } from './helpers.js'

let t: TestApp
let routes: RegisteredRoute[] = []
const web = webRootFixture()
beforeAll(async () => {
  ;({ t, routes } = await startAppWithRoutes({ webRoot: web.webRoot }))
})
afterAll(async () => {
  await t.close()
  web.cleanup()
})

/** A concrete URL for a route pattern: every parameter gets a valid-looking value. */
const concrete = (url: string) =>
  url
    .replace(/:entity/g, 'admin')
    .replace(/:project/g, 'p')
    .replace(/:runId/g, 'abc123')

describe('the default-deny guard', () => {
  it('sees the routes (sanity check of the enumeration)', () => {
    expect(routes.length).toBeGreaterThan(20)
    expect(routes).toContainEqual({ method: 'POST', url: '/api/v1/runs' })
  })

  it('refuses every registered route without a key, with a wrong key, and with a malformed header', async () => {
    const wrong = [
      undefined,
      'Bearer local-wrongwrongwrongwrongwrongwrongwrongwrong',
      `Basic ${Buffer.from('api:nope').toString('base64')}`,
      'Bearer',
      'Token abc',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
    ]
    for (const route of routes.filter((r) => !r.public)) {
      for (const authorization of wrong) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
          ...(route.method !== 'GET' && route.method !== 'HEAD' && { payload: '{}' }),
        })
        expect(res.statusCode, `${route.method} ${route.url} with ${authorization}`).toBe(401)
        if (route.method !== 'HEAD')
          expect(json<{ error: { code: string } }>(res).error.code).toBe('UNAUTHENTICATED')
      }
    }
  })

  it('answers without a key only the health probes, signing in and out, signed uploads, and the web app', async () => {
    const open = routes.filter((r) => r.public && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`)
    expect(new Set(open)).toEqual(
      new Set([
        'GET /healthz',
        'GET /readyz',
        'POST /api/v1/session',
        'DELETE /api/v1/session',
        // W&B clients upload without credentials: the signed URL is the credential.
        'PUT /wandb/uploads/:token/:name',
        // Their telemetry probe, answered 404 so they send none.
        'POST /sdk/otel/v1/:signal',
        'GET /',
        'GET /sign-in',
        'GET /:entity',
        'GET /:entity/:project',
        'GET /:entity/:project/runs/:runId',
        'GET /:entity/:project/runs/:runId/:tab',
        'GET /assets/*',
        'GET /favicon.svg',
      ]),
    )
    // The page patterns are the ones that could match an API path; they are marked to stay closed there.
    expect(routes.filter((r) => r.page && r.method === 'GET').map((r) => r.url)).toEqual([
      '/',
      '/sign-in',
      '/:entity',
      '/:entity/:project',
      '/:entity/:project/runs/:runId',
      '/:entity/:project/runs/:runId/:tab',
    ])
    for (const url of ['/healthz', '/readyz']) {
      const res = await t.call('GET', url, undefined, null)
      expect(res.statusCode).toBe(200)
      expect(json(res)).toEqual({ status: 'ok' })
    }
  })

  it('refuses unknown URLs before revealing that they do not exist', async () => {
    expect((await t.call('GET', '/api/v1/nope', undefined, null)).statusCode).toBe(401)
    expect((await t.call('GET', '/api/v1/nope')).statusCode).toBe(404)
  })

  it('keeps API-shaped paths that match a page pattern closed, as unknown API routes', async () => {
    // Each matches a page pattern (`/:entity/...`) by shape alone.
    for (const url of [
      '/api',
      '/api/v1',
      '/api/v1/runs/x',
      '/api/v1/nope?x=1',
      '/%61pi/v1/runs/x',
      '/api%2fv1%2fruns/x',
    ]) {
      for (const method of ['GET', 'HEAD'] as const) {
        const anonymous = await t.app.inject({ method, url })
        expect(anonymous.statusCode, `${method} ${url}`).toBe(401)
        expect(anonymous.headers['content-type']).toMatch(/^application\/json/)
        const known = await t.app.inject({ method, url, headers: { authorization: `Bearer ${t.adminKey}` } })
        expect(known.statusCode, `${method} ${url}`).toBe(404)
        expect(known.headers['content-type']).toMatch(/^application\/json/)
        if (method === 'GET') expect(json<{ error: { code: string } }>(known).error.code).toBe('NOT_FOUND')
      }
    }
  })

  it('accepts Bearer and W&B-style Basic, ignoring the Basic username', async () => {
    for (const authorization of [
      `Bearer ${t.adminKey}`,
      `bearer ${t.adminKey}`,
      `Basic ${Buffer.from(`api:${t.adminKey}`).toString('base64')}`,
      `Basic ${Buffer.from(`whoever:${t.adminKey}`).toString('base64')}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/viewer', headers: { authorization } })
      expect(res.statusCode, authorization).toBe(200)
      expect(json(res)).toEqual({ username: 'admin', entity: 'admin', isAdmin: true })
    }
  })

  it('keeps users to their own entity; admins reach any', async () => {
    const aliceKey = await t.addUser('alice')
    const own = await t.call('POST', '/api/v1/runs', { project: 'p', id: 'alice01' }, aliceKey)
    expect(own.statusCode, own.body).toBe(201)
    expect(json<{ run: { entity: string } }>(own).run.entity).toBe('alice')
    const other = await t.call('POST', '/api/v1/runs', { entity: 'admin', project: 'p' }, aliceKey)
    expect(other.statusCode).toBe(403)
    expect(json<{ error: { code: string } }>(other).error.code).toBe('FORBIDDEN')
    expect((await t.call('GET', '/api/v1/runs/admin/p', undefined, aliceKey)).statusCode).toBe(403)
    expect((await t.call('GET', '/api/v1/runs/alice/p/alice01')).statusCode).toBe(200)
    const byAdmin = await t.call('POST', '/api/v1/runs', { entity: 'alice', project: 'p', id: 'admin01' })
    expect(byAdmin.statusCode).toBe(201)
  })
})

describe('entity access on every route', () => {
  it("refuses another user's entity on every route that names one", async () => {
    const bobKey = await t.addUser('bob')
    // Pages are public: the app's shell is the same for everyone, and the API behind it checks.
    const scoped = routes.filter((r) => r.url.includes(':entity') && !r.public)
    expect(scoped.length).toBeGreaterThan(15)
    for (const route of scoped) {
      const res = await t.call(
        route.method,
        concrete(route.url),
        route.method === 'GET' || route.method === 'HEAD' ? undefined : {},
        bobKey,
      )
      // Refused before the body or query is validated: nothing about the route leaks.
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBe(403)
      if (route.method !== 'HEAD') expect(json<{ error: { code: string } }>(res).error.code).toBe('FORBIDDEN')
    }
  })
})

describe('keys and the first start', () => {
  it('generates local- keys of 40 [a-z0-9] characters and stores only their sha256', async () => {
    const key = generateApiKey()
    expect(key).toMatch(/^local-[a-z0-9]{40}$/)
    expect(generateApiKey()).not.toBe(key)
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('creates the admin once, with a given key or a fresh one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stemma-admin-'))
    const store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
    try {
      await expect(ensureAdmin(store, { apiKey: 'short', now: 0 })).rejects.toThrow(/16–256/)
      const given = `local-${'a'.repeat(40)}`
      expect(await ensureAdmin(store, { apiKey: given, now: 0 })).toEqual({
        created: true,
        apiKey: given,
        username: 'admin',
      })
      expect(await store.auth.findKeyOwner(hashApiKey(given))).toMatchObject({
        username: 'admin',
        isAdmin: true,
      })
      expect(await store.auth.findKeyOwner(given)).toBeNull()
      expect(await ensureAdmin(store, { now: 0 })).toEqual({ created: false, username: 'admin' })
      expect(await store.auth.countUsers()).toBe(1)
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
