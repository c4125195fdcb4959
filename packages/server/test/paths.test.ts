import { afterAll, beforeAll, expect, it } from 'vitest'
import { request } from 'node:http'
import { startAppWithRoutes, type RegisteredRoute, type TestApp } from './helpers.js'

let t: TestApp
let routes: RegisteredRoute[] = []
beforeAll(async () => {
  ;({ t, routes } = await startAppWithRoutes())
  routes = routes.filter((r) => r.method !== 'HEAD')
  await t.call('POST', '/api/v1/runs', { project: 'p', id: 'abc123' })
})
afterAll(() => t.close())

// DESIGN §9: the traversal corpus, percent-encoded as it arrives on the wire. Bare dot segments
// (`.`, `..`, `%2e%2e`) are resolved by in-process URL parsing into other routes, so they are sent
// raw over a socket below instead.
const CORPUS = ['..%5C', '%252e%252e', '%3B', '%00', '%2Fetc%2Fpasswd', 'C%3A%5C', '%20x']
const VALID: Record<string, string> = { entity: 'admin', project: 'p', runId: 'abc123', name: 'ok.txt' }
/**
 * A run file name is data, never a filesystem path (contents live under server-assigned keys), so
 * `%2e%2e`, `;` and ` x` are names like any other; what could escape a directory is still refused.
 */
const FILE_NAME_CORPUS = ['..%5C', '%00', '%2Fetc%2Fpasswd', 'C%3A%5C', 'a%2F..%2F..%2Fb', '%2E%2E%2Fx']

it('answers every path parameter of every route with a 4xx for the traversal corpus', async () => {
  let checked = 0
  for (const route of routes) {
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!)
    for (const param of params) {
      for (const bad of param === 'name' ? FILE_NAME_CORPUS : CORPUS) {
        const url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
          name === param ? bad : VALID[name]!,
        )
        const res = await t.call(route.method, url, route.method === 'GET' ? undefined : {})
        expect(res.statusCode, `${route.method} ${url}: ${res.body}`).toBeGreaterThanOrEqual(400)
        expect(res.statusCode, `${route.method} ${url}: ${res.body}`).toBeLessThan(500)
        checked++
      }
    }
  }
  expect(checked).toBeGreaterThan(100)
  // The run the corpus was aimed at is untouched.
  expect((await t.call('GET', '/api/v1/runs/admin/p/abc123')).statusCode).toBe(200)
})

/** Sends the path exactly as written: no client-side dot-segment resolution. */
function rawGet(base: string, path: string, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

it('refuses raw dot segments in path parameters over a real socket', async () => {
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' })
  for (const dots of ['..', '.', '%2e%2e', '%2E%2E', '..%2F..']) {
    for (const path of [
      `/api/v1/runs/${dots}/p/abc123`,
      `/api/v1/runs/admin/${dots}/abc123/history`,
      `/api/v1/runs/admin/p/${dots}/summary`,
      `/api/v1/projects/${dots}/p/tree`,
    ]) {
      const res = await rawGet(base, path, t.adminKey)
      expect(res.status, `${path}: ${res.body}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${path}: ${res.body}`).toBeLessThan(500)
    }
  }
})
