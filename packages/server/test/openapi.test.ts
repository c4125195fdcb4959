import { afterAll, beforeAll, expect, it } from 'vitest'
import { json, startAppWithRoutes, type RegisteredRoute, type TestApp } from './helpers.js'

let t: TestApp
let routes: RegisteredRoute[] = []
beforeAll(async () => {
  ;({ t, routes } = await startAppWithRoutes())
})
afterAll(() => t.close())

it('describes every registered route', async () => {
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
  expect(new Set(documented)).toEqual(new Set(registered))
  expect(registered.length).toBeGreaterThan(15)
})
