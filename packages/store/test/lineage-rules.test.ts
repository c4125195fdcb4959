import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, logRows, NOW, ref, runInput, seriesOf } from './helpers.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const rowsOf = (steps: number[], f: (s: number) => number) => steps.map((step) => ({ step, metric: f(step) }))

for (const dialect of DIALECTS) {
  describe(`lineage rules [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
    })
    afterEach(() => cleanup())

    it('keeps archived runs read-only', async () => {
      await store.runs.create(runInput('r'))
      await logRows(
        store,
        ref('r'),
        rowsOf(range(0, 9), (i) => i),
      )
      await store.runs.rewind(ref('r'), 5, NOW)
      const archived = { ...ref('r'), archive: 0 }
      await expect(
        store.history.ingest(archived, batchOf('z', 1, [{ step: 100, metric: 1 }]), NOW),
      ).rejects.toMatchObject({
        code: 'RUN_ARCHIVED',
      })
      await expect(store.runs.patch(archived, { notes: 'x' })).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
      await expect(store.runs.setState(archived, { state: 'killed' })).rejects.toMatchObject({
        code: 'RUN_ARCHIVED',
      })
      await expect(store.runs.rewind(archived, 1, NOW)).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
      await expect(store.runs.delete(archived)).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
      await expect(store.runs.mergeConfig(archived, { a: 1 })).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
      expect((await store.runs.get(archived))?.archivedFrom).not.toBeNull()
    })

    it('leaves console lines and system samples after the rewind point in the archive', async () => {
      await store.runs.create(runInput('r'))
      await store.history.ingest(
        ref('r'),
        {
          ...batchOf(
            'w',
            1,
            rowsOf(range(0, 9), (i) => i),
          ),
          console: [{ t: 1, stream: 'stdout', line: 'early' }],
          system: [{ t: 1, values: { cpu: 1 } }],
        },
        NOW,
      )
      await store.history.ingest(
        ref('r'),
        {
          ...batchOf(
            'w',
            2,
            rowsOf(range(10, 19), (i) => i),
          ),
          console: [{ t: 2, stream: 'stderr', line: 'late' }],
          system: [{ t: 2, values: { cpu: 2 } }],
        },
        NOW,
      )
      await store.runs.rewind(ref('r'), 12, NOW)
      await store.history.ingest(
        ref('r'),
        { writerId: 'w2', seq: 1, console: [{ t: 3, stream: 'stdout', line: 'new' }] },
        NOW,
      )
      expect((await store.runs.console(ref('r'), 10)).map((l) => l.line)).toEqual(['early', 'new'])
      expect((await store.runs.system(ref('r'), 10)).map((s) => s.t)).toEqual([1])
      expect((await store.runs.console({ ...ref('r'), archive: 0 }, 10)).map((l) => l.line)).toEqual([
        'early',
        'late',
      ])
      expect((await store.runs.console({ ...ref('r'), archive: 0 }, 1)).map((l) => l.line)).toEqual(['late'])
    })

    it('finds fork points by a monotonic step metric', async () => {
      await store.runs.create(runInput('r'))
      await logRows(
        store,
        ref('r'),
        range(0, 99).map((step) => ({ step, tokens: step * 1000, loss: Math.sin(step) })),
      )
      expect(await store.history.stepForMetricValue(ref('r'), 'tokens', 42_500)).toBe(42)
      expect(await store.history.stepForMetricValue(ref('r'), 'tokens', 1e9)).toBe(99)
      await expect(store.history.stepForMetricValue(ref('r'), 'loss', 0)).rejects.toMatchObject({
        code: 'STEP_NOT_MONOTONIC',
      })
      await expect(store.history.stepForMetricValue(ref('r'), 'tokens', -1)).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      await expect(store.history.stepForMetricValue(ref('r'), 'nope', 1)).rejects.toMatchObject({
        code: 'INVALID_LINEAGE_SPEC',
      })
    })

    it('deletes a parent that has forks: the forks keep reading the shared history', async () => {
      await store.runs.create(runInput('p1'))
      await logRows(
        store,
        ref('p1'),
        rowsOf(range(0, 5000), (i) => i),
      )
      await store.runs.fork(ref('p1'), 2500, runInput('c1'))
      await store.runs.rewind(ref('p1'), 100, NOW)
      await store.runs.delete(ref('p1'))
      expect(await store.runs.get(ref('p1'))).toBeNull()
      const c = await seriesOf(store, ref('c1'), 'metric')
      expect(c.values).toEqual(range(0, 2500))
      expect((await store.history.read(ref('c1'), { limit: 1 })).sourceRunIds).toEqual(['p1'])
      await store.runs.delete(ref('c1'))
      expect(
        (await store.runs.list({ entity: 'e', project: 'p', limit: 10, offset: 0, includeArchived: true }))
          .total,
      ).toBe(0)
      // The id is free again and the new run starts empty.
      await store.runs.create(runInput('p1'))
      expect((await store.history.read(ref('p1'), {})).steps).toEqual([])
    })
  })
}
