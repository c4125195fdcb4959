import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { Store } from '@stemma/store'
import { createServer } from '@stemma/server'
import { batch, json, startApp, type TestApp } from './helpers.js'

let t: TestApp
let failing: FastifyInstance

/**
 * The real store, except that inside a transaction the last step of a resume or rewind (setting
 * the run's state) fails, as a dropped connection would: everything before it must roll back.
 */
function failingAtSetState(store: Store): Store {
  return {
    ...store,
    transaction: (fn) =>
      store.transaction((tx) => {
        const runs = new Proxy(tx.runs, {
          get: (target, prop, receiver) =>
            prop === 'setState'
              ? () => Promise.reject(new Error('connection lost'))
              : Reflect.get(target, prop, receiver),
        })
        return fn({ ...tx, runs })
      }),
    close: async () => {},
  }
}

beforeAll(async () => {
  t = await startApp()
  failing = createServer({ store: failingAtSetState(t.store), publicUrl: 'http://x' })
  await failing.ready()
})
afterAll(async () => {
  await failing.close()
  await t.close()
})

it('leaves the run as it was when a rewind fails midway', async () => {
  await t.call('POST', '/api/v1/runs', { project: 'p', id: 'atom', config: { lr: 0.1 } })
  const rows = Array.from({ length: 20 }, (_, i) => ({ loss: 1 / (i + 1) }))
  expect((await t.call('POST', '/api/v1/runs/admin/p/atom/batches', batch(1, 0, rows))).statusCode).toBe(200)
  await t.call('POST', '/api/v1/runs/admin/p/atom/stop')
  const read = async () => ({
    run: json(await t.call('GET', '/api/v1/runs/admin/p/atom')),
    lineage: json(await t.call('GET', '/api/v1/runs/admin/p/atom/lineage')),
    history: json(await t.call('GET', '/api/v1/runs/admin/p/atom/history')),
  })
  const before = await read()

  for (const body of [
    { project: 'p', resumeFrom: 'atom?_step=9', config: { lr: 0.2 }, notes: 'rewound' },
    { project: 'p', id: 'atom', resume: 'must', config: { extra: 1 }, tags: ['x'] },
  ]) {
    const res = await failing.inject({
      method: 'POST',
      url: '/api/v1/runs',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    })
    expect(res.statusCode).toBe(500)
    expect(await read()).toEqual(before)
  }
})
