import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { openSqliteStore } from '@stemma/store'
import { createServer } from '@stemma/server'
import { ASSET_JS, INDEX_HTML, json, startApp, webRootFixture, type TestApp } from './helpers.js'

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** Over a real socket, with the path sent exactly as written: no client-side `..` cleanup. */
function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

/** As `get`, with the body as bytes (a compressed body is not text). */
function getRaw(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

function expectSecurityHeaders(headers: IncomingHttpHeaders | Record<string, unknown>, what: string) {
  expect(headers['content-security-policy'], what).toBe(CSP)
  expect(headers['x-content-type-options'], what).toBe('nosniff')
  expect(headers['referrer-policy'], what).toBe('no-referrer')
  expect(headers['x-frame-options'], what).toBe('DENY')
  expect(
    Object.keys(headers).filter((h) => h.startsWith('access-control-')),
    what,
  ).toEqual([])
}

describe('the built web app', () => {
  let t: TestApp
  let base: string
  const web = webRootFixture()
  beforeAll(async () => {
    // A link inside the build that points outside it must not be served.
    symlinkSync(join(web.webRoot, '..', 'package.json'), join(web.webRoot, 'assets', 'linked.js'))
    t = await startApp({ webRoot: web.webRoot })
    base = await t.app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(async () => {
    await t.close()
    web.cleanup()
  })

  it('answers index.html at every page path, uncached, with the security headers', async () => {
    for (const path of [
      '/',
      '/sign-in',
      '/admin',
      '/admin/awesome-project',
      '/admin/awesome-project/runs/abc123',
      '/admin/awesome-project/runs/abc123/charts',
      '/admin?x=1',
    ]) {
      const res = await get(base, path)
      expect(res.status, path).toBe(200)
      expect(res.body).toBe(INDEX_HTML)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      expectSecurityHeaders(res.headers, path)
    }
  })

  it('serves hashed assets with their content type, cached for good, and revalidates by ETag', async () => {
    const js = await get(base, '/assets/index-abc123.js')
    expect(js.status).toBe(200)
    expect(js.body).toBe(ASSET_JS)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expectSecurityHeaders(js.headers, 'asset')
    const css = await get(base, '/assets/index-def456.css')
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const again = await get(base, '/assets/index-abc123.js', { 'if-none-match': js.headers.etag! })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    const head = await get(base, '/assets/index-abc123.js', {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    // Text files go out gzipped to clients that accept it (compressed once, at startup).
    const packed = await getRaw(base, '/assets/index-abc123.js', { 'accept-encoding': 'br, gzip;q=0.8' })
    expect(packed.headers['content-encoding']).toBe('gzip')
    expect(packed.headers.vary).toBe('accept-encoding')
    expect(gunzipSync(packed.body).toString('utf8')).toBe(ASSET_JS)
    const refused = await getRaw(base, '/assets/index-abc123.js', { 'accept-encoding': 'gzip;q=0' })
    expect(refused.headers['content-encoding']).toBeUndefined()
    expect(refused.body.toString('utf8')).toBe(ASSET_JS)
    const icon = await get(base, '/favicon.svg')
    expect(icon.status).toBe(200)
    expect(icon.headers['content-type']).toBe('image/svg+xml')
  })

  it('answers 404 for unknown assets and every way out of the directory', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets/',
      '/assets/../package.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/%2e%2e%2fpackage.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/..%5cpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/assets//index-abc123.js',
      '/assets/./index-abc123.js',
      '/assets/../index.html',
      '/assets/linked.js',
      '/assets/%00',
    ]) {
      const res = await get(base, path)
      expect(res.status, path).toBe(404)
      expect(res.body).not.toContain('outside')
      expectSecurityHeaders(res.headers, path)
    }
    // Outside /assets a path is a page: the app's shell, never a file's contents.
    for (const path of ['/package.json', '/.env', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const res = await get(base, path)
      expect(res.status, path).toBe(200)
      expect(res.body, path).toBe(INDEX_HTML)
    }
  })

  it('leaves the API as it is: unknown /api paths are 401 without a key and 404 JSON with one', async () => {
    for (const path of ['/api/v1/runs/x', '/api/v1', '/api', '/api/v1/runs/x/y/z/charts/extra']) {
      const anonymous = await get(base, path)
      expect(anonymous.status, path).toBe(401)
      expect(anonymous.headers['content-type']).toMatch(/^application\/json/)
      expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
      expectSecurityHeaders(anonymous.headers, path)
      const known = await get(base, path, { authorization: `Bearer ${t.adminKey}` })
      expect(known.status, path).toBe(404)
      expect(JSON.parse(known.body)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    }
  })

  it('puts the security headers on API replies, errors and health probes too', async () => {
    expectSecurityHeaders((await t.call('GET', '/api/v1/viewer')).headers, 'viewer')
    expectSecurityHeaders((await t.call('GET', '/api/v1/runs/admin/p/nope')).headers, '404')
    expectSecurityHeaders((await t.call('POST', '/api/v1/runs', { nope: 1 })).headers, '422')
    expectSecurityHeaders((await t.call('GET', '/healthz', undefined, null)).headers, 'healthz')
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/runs',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    })
    expectSecurityHeaders(preflight.headers, 'preflight')
  })

  it('puts them on the live event stream, which writes its own response head', async () => {
    expect((await t.call('POST', '/api/v1/runs', { project: 'p', id: 'live01' })).statusCode).toBe(201)
    const res = await fetch(`${base}/api/v1/runs/admin/p/live01/events`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => (headers[name] = value))
    expectSecurityHeaders(headers, 'events')
    await res.body?.cancel()
  })
})

describe('without a built web app', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await startApp()
  })
  afterAll(() => t.close())

  it('says at / how to build it, in plain text', async () => {
    const res = await t.call('GET', '/', undefined, null)
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(res.body).toMatch(/not built.*npm run build/)
    expectSecurityHeaders(res.headers, '/')
  })

  it('keeps every other path the API’s', async () => {
    expect((await t.call('GET', '/admin/p', undefined, null)).statusCode).toBe(401)
    expect(json(await t.call('GET', '/admin/p'))).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('refuses to start from a directory without index.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stemma-web-'))
    const store = await openSqliteStore({ path: ':memory:' })
    try {
      writeFileSync(join(dir, 'app.js'), '')
      expect(() => createServer({ store, publicUrl: 'http://x', webRoot: dir })).toThrow(/no index\.html/)
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
