import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify'
import type { IngestBatch } from '@stemma/core'
import { FsBlobStore, openSqliteStore } from '@stemma/store'
import type { BlobStore, Store } from '@stemma/store'
import { createServer, ensureAdmin, hashApiKey, type ServerDeps } from '@stemma/server'

export const PUBLIC_URL = 'http://stemma.test'

export interface TestApp {
  app: FastifyInstance
  store: Store
  /** Run file contents, under `blobDir`. */
  blobs: BlobStore
  blobDir: string
  adminKey: string
  clock: { now: number }
  /** Authenticated JSON request with the admin key unless `key` is given (`null`: none). */
  call(method: string, url: string, body?: unknown, key?: string | null): Promise<LightMyRequestResponse>
  addUser(username: string, isAdmin?: boolean): Promise<string>
  close(): Promise<void>
}

/** A server on a fresh SQLite file, driven in-process; `beforeReady` can add hooks before routes load. */
export async function startApp(
  options: {
    beforeReady?: (app: FastifyInstance) => void
    publicUrl?: () => string
    webRoot?: string
    alertWebhooks?: ServerDeps['alertWebhooks']
  } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'stemma-server-'))
  const store = await openSqliteStore({ path: join(dir, 'stemma.db') })
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') }
  const admin = await ensureAdmin(store, { now: clock.now })
  let seed = 1
  const blobDir = join(dir, 'blobs')
  const blobs = new FsBlobStore({
    root: blobDir,
    signingSecret: 'test-signing-secret',
    urlBase: `${PUBLIC_URL}/api/v1/blobs`,
  })
  const app = createServer({
    store,
    blobs,
    publicUrl: options.publicUrl ?? PUBLIC_URL,
    now: () => clock.now,
    // Deterministic ids: a simple LCG is enough for tests.
    random: () => (seed = (seed * 48271) % 2147483647) / 2147483647,
    ...(options.webRoot !== undefined && { webRoot: options.webRoot }),
    ...(options.alertWebhooks !== undefined && { alertWebhooks: options.alertWebhooks }),
  })
  options.beforeReady?.(app)
  await app.ready()
  const adminKey = admin.apiKey!
  return {
    app,
    store,
    blobs,
    blobDir,
    adminKey,
    clock,
    call(method, url, body, key = adminKey) {
      return app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(key !== null && { authorization: `Bearer ${key}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
    },
    async addUser(username, isAdmin = false) {
      const key = `local-${username}-${'k'.repeat(30)}`
      const userId = await store.auth.createUser(username, isAdmin, clock.now)
      await store.auth.addApiKey(userId, hashApiKey(key), 'test', clock.now)
      return key
    },
    async close() {
      await app.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Builds a columnar batch from rows `{ key: value }` logged at consecutive steps from `firstStep`. */
export function batch(
  seq: number,
  firstStep: number,
  rows: Record<string, number>[],
  extra: Partial<IngestBatch> = {},
  writerId = 'writer-1',
): IngestBatch {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const columns: Record<string, (number | null)[]> = {}
  for (const key of keys) columns[key] = rows.map((row) => (key in row ? row[key]! : null))
  return {
    writerId,
    seq,
    history: {
      steps: rows.map((_, i) => firstStep + i),
      runtime: rows.map((_, i) => i * 0.5),
      timestamp: rows.map((_, i) => 1_767_225_600 + i),
      columns,
    },
    ...extra,
  }
}

export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T
}

/** `[step, value]` pairs of one key from a history response, skipping rows without it. */
export function series(history: { steps: number[]; columns: Record<string, unknown[]> }, key: string) {
  const column = history.columns[key] ?? []
  return history.steps.flatMap((step, i) =>
    column[i] === null || column[i] === undefined ? [] : [[step, column[i]]],
  )
}

export interface RegisteredRoute {
  method: string
  url: string
  /** Answered without a key (health probes, signing in and out, the web app); absent otherwise. */
  public?: true
  /** A web app page: public except at paths under `/api`. */
  page?: true
}

/**
 * Starts the app and lists every route Fastify registered, so tests that must cover all routes
 * also cover the ones added later. With `webRoot`, the web app's routes are among them.
 */
export async function startAppWithRoutes(
  options: { webRoot?: string } = {},
): Promise<{ t: TestApp; routes: RegisteredRoute[] }> {
  const routes: RegisteredRoute[] = []
  const t = await startApp({
    ...options,
    beforeReady: (app) =>
      app.addHook('onRoute', (route: RouteOptions) => {
        const config = route.config as { public?: boolean; page?: boolean } | undefined
        for (const method of [route.method].flat()) {
          routes.push({
            method,
            url: route.url,
            ...(config?.public === true && { public: true as const }),
            ...(config?.page === true && { page: true as const }),
          })
        }
      }),
  })
  return { t, routes }
}

export const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>\n'
/** Long enough to be worth compressing, as real bundles are. */
export const ASSET_JS = 'console.log("stemma")\n'.repeat(50)

/**
 * A built web app as Vite lays it out (index.html, hashed assets, a favicon) in `<dir>/dist`,
 * with a file beside `dist` that no request may reach.
 */
export function webRootFixture(): { webRoot: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'stemma-web-'))
  const webRoot = join(dir, 'dist')
  mkdirSync(join(webRoot, 'assets'), { recursive: true })
  writeFileSync(join(webRoot, 'index.html'), INDEX_HTML)
  writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), ASSET_JS)
  writeFileSync(join(webRoot, 'assets', 'index-def456.css'), 'body { margin: 0 }\n')
  writeFileSync(join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
  writeFileSync(join(webRoot, '.env'), 'SECRET=1\n')
  writeFileSync(join(dir, 'package.json'), '{"name":"outside"}\n')
  return { webRoot, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
