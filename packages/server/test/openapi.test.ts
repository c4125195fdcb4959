import { afterAll, beforeAll, expect, it } from 'vitest'
import { json, startAppWithRoutes, webRootFixture, type RegisteredRoute, type TestApp } from './helpers.js'

/** Pages and files of the web app: not API, so deliberately absent from the document. */
const WEB_ROUTES = [
  'GET /',
  'GET /sign-in',
  'GET /{entity}',
  'GET /{entity}/{project}',
  'GET /{entity}/{project}/runs/{runId}',
  'GET /{entity}/{project}/runs/{runId}/{tab}',
  'GET /assets/*',
  'GET /favicon.svg',
]

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

it('describes every registered route but the web app’s', async () => {
  const doc = json<{ openapi: string; paths: Record<string, Record<string, { responses: object }>> }>(
    await t.call('GET', '/api/v1/openapi.json'),
  )
  expect(doc.openapi).toBe('3.1.0')
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  )
  // HEAD routes are Fastify's automatic twins of GET routes.
  const registered = routes
    .filter((r) => r.method !== 'HEAD')
    .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
  expect(registered).toEqual(expect.arrayContaining(WEB_ROUTES))
  expect(new Set(documented)).toEqual(new Set(registered.filter((r) => !WEB_ROUTES.includes(r))))
  expect(documented.length).toBeGreaterThan(15)
  // Each web route is public and none sits under /api: the exception covers pages only.
  for (const route of routes.filter((r) =>
    WEB_ROUTES.includes(`${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
  )) {
    expect(route.public, route.url).toBe(true)
    expect(route.url.startsWith('/api')).toBe(false)
  }
})
