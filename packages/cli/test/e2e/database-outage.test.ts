import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  freePort,
  startPostgresCluster,
  type PostgresCluster,
} from '../../../../scripts/postgres-cluster.mjs'
import { subscribe } from '../../../server/test/sse-client.js'
import { startTrainingScript } from '../helpers/script.js'
import { API_KEY, runCli, startServer, tempDir, type TestServer } from '../helpers/server.js'

// A PostgreSQL cluster of this file's own, since the test stops it.
let cluster: PostgresCluster
let server: TestServer
let databaseUrl: string
const PASSWORD = 'pw-that-must-never-be-printed'

beforeAll(async () => {
  cluster = await startPostgresCluster()
  cluster.psql('CREATE DATABASE outage')
  // Trust auth ignores the password, which is here only to check that nothing prints it.
  const url = new URL(cluster.urlOf('outage'))
  url.password = PASSWORD
  databaseUrl = url.toString()
  server = await startServer({ env: { STEMMA_DATABASE_URL: databaseUrl } })
})
afterAll(async () => {
  await server?.stop()
  cluster?.destroy()
})

it('loses nothing when PostgreSQL goes away for seconds during a run', async () => {
  const steps = 400
  const script = startTrainingScript(
    `const run = await stemma.init({ project: 'outage', id: 'outage1' })
     for (let i = 0; i < ${steps}; i++) {
       run.log({ x: i })
       if (i === 100) console.log('halfway')
       await new Promise((r) => setTimeout(r, 15))
     }
     await run.finish()`,
    { baseUrl: server.baseUrl },
  )
  await script.waitFor('halfway')
  // A live-event subscriber from before the outage: its LISTEN connection dies with the database.
  const events = await subscribe(`${server.baseUrl}/api/v1/runs/admin/outage/outage1/events`, API_KEY)
  await events.next((e) => e.type === 'state')
  cluster.stop()
  const during = await server.request('/readyz', { key: null })
  expect(during.status).toBe(503)
  expect(await during.json()).toEqual({ status: 'not ok' })
  const ingest = await server.request('/api/v1/runs/admin/outage/outage1/heartbeat', { method: 'POST' })
  expect(ingest.status).toBe(503)
  expect(ingest.headers.get('retry-after')).toMatch(/^\d+$/)
  await new Promise((r) => setTimeout(r, 3000))
  cluster.start()

  expect(await script.exited).toEqual({ code: 0, signal: null })
  const history = await server.json<{ steps: number[]; columns: { x: number[] } }>(
    '/api/v1/runs/admin/outage/outage1/history',
  )
  const all = Array.from({ length: steps }, (_, i) => i)
  expect(history.steps).toEqual(all)
  expect(history.columns.x).toEqual(all)
  expect((await server.json<{ state: string }>('/api/v1/runs/admin/outage/outage1')).state).toBe('finished')
  expect((await server.request('/readyz', { key: null })).status).toBe(200)

  // The server listens again by itself: a resume published now reaches the old subscriber.
  const deadline = Date.now() + 15_000
  let resumed: unknown
  while (resumed === undefined && Date.now() < deadline) {
    await server.json('/api/v1/runs', {
      method: 'POST',
      body: JSON.stringify({ project: 'outage', id: 'outage1', resume: 'must' }),
    })
    resumed = await events
      .next((e) => e.type === 'state' && e.state === 'running', 1000)
      .catch(() => undefined)
  }
  events.close()
  expect(resumed).toMatchObject({ runId: 'outage1', state: 'running' })
  expect(server.output()).not.toContain(PASSWORD)
  expect(script.output()).not.toContain(PASSWORD)
}, 90_000)

it('refuses to start on an unreachable database, saying so without the URL', async () => {
  const port = await freePort()
  const url = `postgres://stemma:${PASSWORD}@127.0.0.1:${port}/nowhere`
  const result = runCli(['server', '--port', '0', '--data-dir', tempDir()], { STEMMA_DATABASE_URL: url })
  expect(result.code).toBe(1)
  expect(result.stderr).toContain('cannot reach PostgreSQL (ECONNREFUSED)')
  expect(result.stderr + result.stdout).not.toContain(PASSWORD)
  expect(result.stderr + result.stdout).not.toContain('nowhere')
})
