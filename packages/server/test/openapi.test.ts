import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RouteOptions } from 'fastify'
import { json, startApp, type TestApp } from './helpers.js'

let t: TestApp
const routes: { method: string; url: string }[] = []
beforeAll(async () => {
  t = await startApp({
    beforeReady: (app) =>
      app.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url })
      }),
  })
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
