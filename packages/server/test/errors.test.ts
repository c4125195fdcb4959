import { afterAll, beforeAll, expect, it } from 'vitest'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import type { Store } from '@stemma/store'
import { createServer, errorLog } from '@stemma/server'
import { batch, json, startApp, type TestApp } from './helpers.js'

let t: TestApp
let broken: FastifyInstance
/** What the broken server logged, as the CLI's logger writes it to stderr. */
const logged: string[] = []
beforeAll(async () => {
  t = await startApp()
  // The same store, except that reading a run fails the way a driver bug would.
  const runs = new Proxy(t.store.runs, {
    get: (target, prop, receiver) =>
      prop === 'get'
        ? () => Promise.reject(new Error('SQLITE_CORRUPT: /var/lib/stemma/stemma.db page 7'))
        : Reflect.get(target, prop, receiver),
  })
  const store: Store = { ...t.store, runs, close: async () => {} }
  broken = createServer({
    store,
    publicUrl: 'http://x',
    logger: errorLog({ write: (line) => logged.push(line) }),
  })
  await broken.ready()
})
afterAll(async () => {
  await broken.close()
  await t.close()
})

it('answers an unexpected failure with a bare 500 that leaks nothing', async () => {
  const res = await broken.inject({
    method: 'GET',
    url: '/api/v1/runs/admin/p/abc',
    headers: { authorization: `Bearer ${t.adminKey}` },
  })
  expect(res.statusCode).toBe(500)
  expect(json(res)).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error.' } })
  // The operator, not the client, gets the cause and where it came from.
  const line = JSON.parse(logged.at(-1)!) as {
    msg: string
    req: unknown
    err: { message: string; stack: string }
  }
  expect(line.msg).toBe('unhandled error')
  expect(line.req).toEqual({ method: 'GET', path: '/api/v1/runs/admin/p/abc' })
  expect(line.err.message).toContain('SQLITE_CORRUPT')
  expect(line.err.stack).toContain('Error: SQLITE_CORRUPT')
  expect(logged.join('')).not.toContain(t.adminKey)
  expect(res.body).not.toMatch(/SQLITE|stemma\.db/)
})

it('answers unknown routes with NOT_FOUND in the same envelope', async () => {
  const res = await t.call('GET', '/api/v1/nothing/here')
  expect(res.statusCode).toBe(404)
  expect(json(res)).toMatchObject({ error: { code: 'NOT_FOUND' } })
})

it('answers a wrong method with 405 and the methods the path takes', async () => {
  for (const [method, url, allow] of [
    ['DELETE', '/api/v1/viewer', 'GET, HEAD'],
    ['PUT', '/api/v1/runs/admin/p/abc', 'GET, HEAD, PATCH, DELETE'],
    ['GET', '/api/v1/runs/admin/p/abc/stop', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
  ] as const) {
    const res = await t.call(method, url)
    expect(res.statusCode, `${method} ${url}`).toBe(405)
    expect(res.headers.allow).toBe(allow)
    expect(json(res)).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } })
  }
})

it('accepts gzip-encoded batches over a real socket', async () => {
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
  const headers = { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' }
  const init = await fetch(`${address}/api/v1/runs`, {
    method: 'POST',
    headers,
    body: '{"project":"gz","id":"gz1"}',
  })
  expect(init.status).toBe(201)
  const res = await fetch(`${address}/api/v1/runs/admin/gz/gz1/batches`, {
    method: 'POST',
    headers: { ...headers, 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify(batch(1, 0, [{ a: 1 }, { a: 2 }]))),
  })
  expect(res.status).toBe(200)
  const history = (await (
    await fetch(`${address}/api/v1/runs/admin/gz/gz1/history`, { headers })
  ).json()) as {
    steps: number[]
  }
  expect(history.steps).toEqual([0, 1])
})

it('refuses init fields that exclude each other, naming them', async () => {
  for (const [body, words] of [
    [{ forkFrom: 'a?_step=1', resumeFrom: 'a?_step=1' }, 'forkFrom and resumeFrom'],
    [{ forkFrom: 'a?_step=1', resume: 'allow' }, 'forkFrom and resume'],
    [{ resumeFrom: 'a?_step=1', resume: 'must' }, 'resumeFrom and resume'],
  ] as const) {
    const res = await t.call('POST', '/api/v1/runs', { project: 'p', ...body })
    expect(res.statusCode).toBe(422)
    expect(json(res)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: `${words} cannot be combined; pick one.` },
    })
  }
})
