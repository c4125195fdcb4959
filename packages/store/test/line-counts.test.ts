import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, logRows, NOW, ref, runInput } from './helpers.js'

const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ step: from + i, loss: (from + i) / 10 }))

for (const dialect of DIALECTS) {
  describe(`line counts and unsequenced content [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
      await store.runs.create(runInput('r'))
    })
    afterEach(() => cleanup())

    it('counts history rows in the view, and the open segment’s samples and console lines', async () => {
      expect(await store.history.lineCounts(ref('r'))).toEqual({ history: 0, events: 0, console: 0 })
      await logRows(store, ref('r'), rows(0, 10))
      await store.history.apply(
        ref('r'),
        {
          system: [{ t: 1, values: { 'system.cpu': 5 } }],
          console: [
            { t: 1, stream: 'stdout', line: 'a', lineNo: 0 },
            { t: 1, stream: 'stdout', line: 'b', lineNo: 1 },
          ],
        },
        NOW,
      )
      expect(await store.history.lineCounts(ref('r'))).toEqual({ history: 10, events: 1, console: 2 })
      // A row refused for being behind the run's step was a line too.
      await store.history.apply(
        ref('r'),
        { rejected: [{ attemptedStep: 3, currentStep: 9, keys: ['loss'], timestamp: NOW }] },
        NOW,
      )
      expect((await store.history.lineCounts(ref('r'))).history).toBe(11)
    })

    it('sets a numbered console line in place, so a redrawn line replaces the old one', async () => {
      const line = (lineNo: number, text: string) => ({
        t: lineNo,
        stream: 'stdout' as const,
        line: text,
        lineNo,
      })
      await store.history.apply(ref('r'), { console: [line(0, 'epoch 1'), line(1, 'progress 10%')] }, NOW)
      // The same request again, then a redraw of the last line.
      await store.history.apply(ref('r'), { console: [line(0, 'epoch 1'), line(1, 'progress 10%')] }, NOW)
      await store.history.apply(ref('r'), { console: [line(1, 'progress 100%'), line(2, 'done')] }, NOW)
      expect((await store.runs.console(ref('r'), 10)).map((l) => l.line)).toEqual([
        'epoch 1',
        'progress 100%',
        'done',
      ])
    })

    it('starts the counts of a fork and of a rewound run where their views end', async () => {
      await logRows(store, ref('r'), rows(0, 20))
      await store.history.apply(ref('r'), { system: [{ t: 1, values: { x: 1 } }] }, NOW)
      await store.runs.fork(ref('r'), 4, runInput('child'))
      // A fork reads its parent's rows up to the step, and has no samples or lines of its own yet.
      expect(await store.history.lineCounts(ref('child'))).toEqual({ history: 5, events: 0, console: 0 })
      await store.runs.rewind(ref('r'), 9, NOW)
      expect(await store.history.lineCounts(ref('r'))).toEqual({ history: 10, events: 0, console: 0 })
    })

    it('applies unsequenced content every time and refuses archived runs', async () => {
      await store.history.ingest(ref('r'), batchOf('w', 1, rows(0, 3)), NOW)
      const run = await store.history.apply(ref('r'), { summary: { best: 1 } }, NOW)
      expect(run.summary.best).toBe(1)
      await store.runs.rewind(ref('r'), 1, NOW)
      await expect(
        store.history.apply({ ...ref('r'), archive: 0 }, { summary: { best: 2 } }, NOW),
      ).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
    })
  })
}
