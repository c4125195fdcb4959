import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ProjectListResponse } from '@stemma/core'
import { batch, json, startApp, type TestApp } from './helpers.js'

let t: TestApp
const start = Date.parse('2026-01-01T00:00:00Z')
const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString()

async function createRun(project: string, id: string, minutes: number, entity?: string) {
  t.clock.now = start + minutes * 60_000
  const res = await t.call('POST', '/api/v1/runs', { project, id, ...(entity && { entity }) })
  expect(res.statusCode, res.body).toBe(201)
}

beforeAll(async () => {
  t = await startApp()
  await createRun('vision', 'v1', 0)
  await createRun('vision', 'v2', 10)
  await createRun('nlp', 'n1', 5)
  await createRun('speech', 's1', 1)
  // The oldest project's run is still beating: it is the most recently active.
  t.clock.now = start + 30 * 60_000
  expect((await t.call('POST', '/api/v1/runs/admin/speech/s1/heartbeat')).statusCode).toBe(200)
  // A rewind keeps the old state as an archived run, which must not count.
  expect(
    (await t.call('POST', '/api/v1/runs/admin/nlp/n1/batches', batch(1, 0, [{ a: 1 }, { a: 2 }]))).statusCode,
  ).toBe(200)
  t.clock.now = start + 6 * 60_000
  const rewound = await t.call('POST', '/api/v1/runs', { project: 'nlp', resumeFrom: 'n1?_step=0' })
  expect(rewound.statusCode, rewound.body).toBe(200)
  await createRun('elsewhere', 'a1', 40, 'alice')
})
afterAll(() => t.close())

it('lists the entity’s projects with live run counts, most recently active first', async () => {
  const res = await t.call('GET', '/api/v1/projects/admin')
  expect(res.statusCode, res.body).toBe(200)
  const body = json<ProjectListResponse>(res)
  expect(body.entity).toBe('admin')
  expect(body.projects.map((p) => [p.name, p.runCount])).toEqual([
    ['speech', 1],
    ['vision', 2],
    ['nlp', 1],
  ])
  expect(body.projects[0]).toEqual({ name: 'speech', runCount: 1, lastActivityAt: at(30), createdAt: at(1) })
  expect(body.projects[1]).toEqual({ name: 'vision', runCount: 2, lastActivityAt: at(10), createdAt: at(0) })
  expect(body.projects[2]).toMatchObject({ name: 'nlp', createdAt: at(5) })
  // nlp's one run has an archived pre-rewind state beside it, not counted.
  expect(
    json<{ runs: unknown[] }>(await t.call('GET', '/api/v1/runs/admin/nlp/n1/archives')).runs,
  ).toHaveLength(1)
})

it('keeps users to their own entity; admins see any, and an entity without runs has none', async () => {
  const aliceKey = await t.addUser('alice')
  const own = json<ProjectListResponse>(await t.call('GET', '/api/v1/projects/alice', undefined, aliceKey))
  expect(own).toEqual({
    entity: 'alice',
    projects: [{ name: 'elsewhere', runCount: 1, lastActivityAt: at(40), createdAt: at(40) }],
  })
  const other = await t.call('GET', '/api/v1/projects/admin', undefined, aliceKey)
  expect(other.statusCode).toBe(403)
  expect(json<{ error: { code: string } }>(other).error.code).toBe('FORBIDDEN')
  expect((await t.call('GET', '/api/v1/projects/alice')).statusCode).toBe(200)
  expect(json(await t.call('GET', '/api/v1/projects/nobody'))).toEqual({ entity: 'nobody', projects: [] })
  expect((await t.call('GET', '/api/v1/projects/admin', undefined, null)).statusCode).toBe(401)
  expect((await t.call('GET', '/api/v1/projects/-bad-')).statusCode).toBe(422)
})
