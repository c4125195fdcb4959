import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { logRows, NOW, ref, runInput } from './helpers.js'

for (const dialect of DIALECTS) {
  describe(`projects of an entity [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
    })
    afterEach(() => cleanup())

    it('counts live runs per project and orders by the latest heartbeat or creation', async () => {
      await store.runs.create(runInput('a1', { project: 'alpha', now: NOW }))
      await store.runs.create(runInput('a2', { project: 'alpha', now: NOW + 100 }))
      await store.runs.create(runInput('b1', { project: 'beta', now: NOW + 50 }))
      // An old run with a recent heartbeat makes its project the most active.
      await store.runs.create(runInput('g1', { project: 'gamma', now: NOW - 1000 }))
      await store.runs.setState(ref('g1', 'gamma'), { heartbeatAt: NOW + 500 })
      await store.runs.create({ ...runInput('x1', { project: 'alpha' }), entity: 'other' })

      expect(await store.runs.projects('e')).toEqual([
        { name: 'gamma', runCount: 1, lastActivityAt: NOW + 500, createdAt: NOW - 1000 },
        { name: 'alpha', runCount: 2, lastActivityAt: NOW + 100, createdAt: NOW },
        { name: 'beta', runCount: 1, lastActivityAt: NOW + 50, createdAt: NOW + 50 },
      ])
      expect(await store.runs.projects('other')).toEqual([
        { name: 'alpha', runCount: 1, lastActivityAt: NOW, createdAt: NOW },
      ])
      expect(await store.runs.projects('nobody')).toEqual([])
    })

    it('leaves out archived (pre-rewind) states and projects whose runs were all deleted', async () => {
      await store.runs.create(runInput('r', { project: 'p' }))
      await logRows(store, ref('r', 'p'), [
        { step: 0, loss: 1 },
        { step: 1, loss: 0.5 },
      ])
      await store.runs.rewind(ref('r', 'p'), 0, NOW + 10)
      await store.runs.rewind(ref('r', 'p'), 0, NOW + 20)
      expect((await store.runs.archives(ref('r', 'p'))).length).toBe(2)
      await store.runs.create(runInput('gone', { project: 'q' }))
      await store.runs.delete(ref('gone', 'q'))

      const [p, ...rest] = await store.runs.projects('e')
      expect(rest).toEqual([])
      expect(p).toMatchObject({ name: 'p', runCount: 1, createdAt: NOW })
    })

    it('breaks ties in activity by name, in code point order', async () => {
      for (const project of ['b', 'B', 'a']) await store.runs.create(runInput(`r-${project}`, { project }))
      expect((await store.runs.projects('e')).map((p) => p.name)).toEqual(['B', 'a', 'b'])
    })
  })
}
