import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { logRows, NOW, ref, runInput } from './helpers.js'

for (const dialect of DIALECTS) {
  describe(`summary [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
      await store.runs.create(runInput('r'))
    })
    afterEach(() => cleanup())

    it('applies define_metric aggregations, globs and overrides incrementally', async () => {
      await store.history.ingest(
        ref('r'),
        {
          writerId: 'm',
          seq: 1,
          metrics: [
            { name: 'loss', summary: ['min', 'max', 'mean', 'first', 'last'] },
            { name: 'val/*', summary: ['best'], goal: 'maximize' },
            { name: 'val/loss', summary: ['best'] },
            { name: 'hidden', summary: ['none'] },
          ],
        },
        NOW,
      )
      const rows = Array.from({ length: 5000 }, (_, step) => ({
        step,
        loss: step === 7 ? NaN : 10 - step / 1000,
        'val/acc': (step * 37) % 101,
        'val/loss': ((step * 13) % 29) + 1,
        hidden: step,
        plain: step * 2,
        flag: step % 2,
      }))
      await logRows(store, ref('r'), rows, 333)
      const finite = rows.map((r) => r.loss).filter((v) => !Number.isNaN(v))
      const run = await store.runs.get(ref('r'))
      // Batches sum in a different order than one pass does, so the mean may differ in the last bits.
      const mean = finite.reduce((a, b) => a + b) / finite.length
      expect((run?.summary.loss as { mean: number }).mean).toBeCloseTo(mean, 10)
      expect(run?.summary).toEqual({
        loss: {
          min: Math.min(...finite),
          max: 10,
          mean: expect.any(Number),
          first: 10,
          last: rows[4999]!.loss,
        },
        'val/acc': { best: 100 },
        'val/loss': { best: 1 },
        plain: 9998,
        flag: 1,
        _step: 4999,
        _runtime: 499.9,
        _timestamp: NOW / 1000 + 4999,
      })
      await store.history.ingest(
        ref('r'),
        { writerId: 'm', seq: 2, summary: { plain: 'overridden', extra: [1, 2] } },
        NOW,
      )
      expect((await store.runs.get(ref('r')))?.summary).toMatchObject({ plain: 'overridden', extra: [1, 2] })
      await store.history.ingest(ref('r'), { writerId: 'm', seq: 3, summary: { plain: null } }, NOW)
      expect((await store.runs.get(ref('r')))?.summary).toMatchObject({ plain: 9998 })
      // A later definition changes the summary of data already logged.
      await store.history.ingest(
        ref('r'),
        { writerId: 'm', seq: 4, metrics: [{ name: 'plain', summary: ['min'] }] },
        NOW,
      )
      expect((await store.runs.get(ref('r')))?.summary).toMatchObject({ plain: { min: 0 } })
    })

    it('keeps NaN and infinities and the last non-scalar value', async () => {
      await logRows(store, ref('r'), [
        { step: 0, x: Infinity, y: 1 },
        { step: 1, x: NaN, y: -Infinity },
      ])
      await store.history.ingest(
        ref('r'),
        { writerId: 'v', seq: 1, values: [{ step: 2, key: 'y', value: 'text' }] },
        NOW,
      )
      const run = await store.runs.get(ref('r'))
      expect(run?.summary.x).toBeNaN()
      expect(run?.summary.y).toBe('text')
      await logRows(store, ref('r'), [{ step: 3, y: 5 }])
      expect((await store.runs.get(ref('r')))?.summary).toMatchObject({ y: 5, _step: 3 })
    })
  })
}
