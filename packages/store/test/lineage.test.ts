import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, logRows, NOW, ref, runInput, seriesOf } from './helpers.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const rowsOf = (steps: number[], f: (s: number) => number) => steps.map((step) => ({ step, metric: f(step) }))

for (const dialect of DIALECTS) {
  describe(`lineage [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
    })
    afterEach(() => cleanup())

    it('forks: shares the parent up to the fork step, then its own rows (seed example)', async () => {
      await store.runs.create(runInput('run1'))
      await logRows(
        store,
        ref('run1'),
        rowsOf(range(0, 299), (i) => i),
      )
      const fork = await store.runs.fork(ref('run1'), 200, runInput('run2', { now: NOW + 1 }))
      expect(fork).toMatchObject({
        forkedFrom: { runId: 'run1', step: 200 },
        lastStep: 200,
        summary: { metric: 200, _step: 200 },
      })
      const own = (i: number) => (i < 250 ? i : i + 2 * Math.sin(i / 3))
      await logRows(store, ref('run2'), rowsOf(range(201, 300), own))
      const s = await seriesOf(store, ref('run2'), 'metric')
      expect(s.steps).toEqual(range(0, 300))
      expect(s.values).toEqual([...range(0, 200), ...range(201, 300).map(own)])
      const rows = await store.history.read(ref('run2'), { minStep: 199, maxStep: 202 })
      expect(rows.sourceRunIds).toEqual(['run1', 'run1', 'run2', 'run2'])
      // The parent is untouched.
      expect((await seriesOf(store, ref('run1'), 'metric')).steps).toEqual(range(0, 299))
      expect(await store.runs.lineage(ref('run1'))).toEqual({
        parent: null,
        children: [{ runId: 'run2', step: 200, createdAt: NOW + 1 }],
        rewinds: [],
        segments: [{ runId: 'run1', fromStep: 0, toStep: null }],
      })
      const forked = await store.runs.lineage(ref('run2'))
      expect(forked.parent).toEqual({ runId: 'run1', step: 200 })
      expect(forked.segments).toEqual([
        { runId: 'run1', fromStep: 0, toStep: 200 },
        { runId: 'run2', fromStep: 201, toStep: null },
      ])
    })

    it('recomputes define_metric aggregations across the fork point', async () => {
      await store.runs.create(runInput('a'))
      await store.history.ingest(
        ref('a'),
        {
          writerId: 'm',
          seq: 1,
          metrics: [
            { name: 'loss', summary: ['min', 'max', 'mean', 'first', 'last'] },
            { name: 'val/*', summary: ['best'], goal: 'maximize' },
          ],
        },
        NOW,
      )
      const loss = (s: number) => Math.abs(s - 40)
      await logRows(
        store,
        ref('a'),
        range(0, 99).map((step) => ({ step, loss: loss(step), 'val/acc': step % 10 })),
      )
      const fork = await store.runs.fork(ref('a'), 30, runInput('b'))
      const kept = range(0, 30).map(loss)
      expect(fork.metrics).toHaveLength(2)
      expect(fork.summary).toMatchObject({
        loss: { min: 10, max: 40, mean: kept.reduce((x, y) => x + y) / kept.length, first: 40, last: 10 },
        'val/acc': { best: 9 },
        _step: 30,
      })
      await logRows(store, ref('b'), [{ step: 31, loss: 0, 'val/acc': 99 }])
      expect((await store.runs.get(ref('b')))?.summary).toMatchObject({
        loss: { min: 0, last: 0 },
        'val/acc': { best: 99 },
      })
    })

    it('rewinds: archives the old run, truncates the live view, keeps config (seed example)', async () => {
      await store.runs.create(runInput('r', { config: { lr: 1 } }))
      await logRows(
        store,
        ref('r'),
        rowsOf(range(0, 999), (i) => i * 2),
      )
      await store.history.ingest(
        ref('r'),
        { writerId: 'x', seq: 1, exit: { state: 'finished', exitCode: 0 } },
        NOW,
      )
      const live = await store.runs.rewind(ref('r'), 500, NOW + 10)
      expect(live).toMatchObject({
        runId: 'r',
        state: 'running',
        lastStep: 500,
        config: { lr: 1 },
        summary: { metric: 1000 },
      })
      await logRows(
        store,
        ref('r'),
        rowsOf(range(501, 600), (i) => -i),
      )
      const s = await seriesOf(store, ref('r'), 'metric')
      expect(s.steps).toEqual(range(0, 600))
      expect(s.values).toEqual([...range(0, 500).map((i) => i * 2), ...range(501, 600).map((i) => -i)])
      const [archive] = await store.runs.archives(ref('r'))
      expect(archive).toMatchObject({
        runId: 'r',
        archivedFrom: live.pk,
        lastStep: 999,
        state: 'finished',
        summary: { metric: 1998 },
      })
      expect(await store.runs.getByPk(archive!.pk)).toMatchObject({ lastStep: 999 })
      expect((await seriesOf(store, { ...ref('r'), archive: 0 }, 'metric')).steps).toEqual(range(0, 999))
      expect((await store.runs.lineage(ref('r'))).rewinds).toEqual([
        { archiveIndex: 0, step: 500, at: NOW + 10, lastStep: 999 },
      ])
      // Listing hides archives unless asked.
      expect((await store.runs.list({ entity: 'e', project: 'p', limit: 10, offset: 0 })).total).toBe(1)
      expect(
        (await store.runs.list({ entity: 'e', project: 'p', limit: 10, offset: 0, includeArchived: true }))
          .total,
      ).toBe(2)
    })

    it('rewinds twice, forks the rewound run and forks an archive', async () => {
      await store.runs.create(runInput('r'))
      await logRows(
        store,
        ref('r'),
        rowsOf(range(0, 999), (i) => i),
      )
      await store.runs.rewind(ref('r'), 500, NOW)
      await logRows(
        store,
        ref('r'),
        rowsOf(range(501, 700), (i) => 10_000 + i),
      )
      await store.runs.rewind(ref('r'), 300, NOW + 1)
      await logRows(
        store,
        ref('r'),
        rowsOf(range(301, 350), (i) => 20_000 + i),
      )
      const live = await seriesOf(store, ref('r'), 'metric')
      expect(live.values).toEqual([...range(0, 300), ...range(301, 350).map((i) => 20_000 + i)])
      const a0 = await seriesOf(store, { ...ref('r'), archive: 0 }, 'metric')
      expect(a0.values).toEqual(range(0, 999))
      const a1 = await seriesOf(store, { ...ref('r'), archive: 1 }, 'metric')
      expect(a1.values).toEqual([...range(0, 500), ...range(501, 700).map((i) => 10_000 + i)])
      expect(
        (await store.runs.lineage(ref('r'))).rewinds.map((r) => [r.archiveIndex, r.step, r.lastStep]),
      ).toEqual([
        [0, 500, 999],
        [1, 300, 700],
      ])

      await store.runs.fork(ref('r'), 320, runInput('f1'))
      await logRows(
        store,
        ref('f1'),
        rowsOf([321, 322], (i) => -i),
      )
      expect((await seriesOf(store, ref('f1'), 'metric')).values).toEqual([
        ...range(0, 300),
        ...range(301, 320).map((i) => 20_000 + i),
        -321,
        -322,
      ])

      await store.runs.fork({ ...ref('r'), archive: 1 }, 600, runInput('f2'))
      expect((await seriesOf(store, ref('f2'), 'metric')).values).toEqual([
        ...range(0, 500),
        ...range(501, 600).map((i) => 10_000 + i),
      ])

      await store.runs.fork(ref('f1'), 321, runInput('f3'))
      await logRows(
        store,
        ref('f3'),
        rowsOf([400], () => 4),
      )
      const f3 = await store.history.read(ref('f3'), { minStep: 300 })
      expect(f3.steps).toEqual([300, ...range(301, 321), 400])
      expect(f3.sourceRunIds).toEqual(['r', ...range(301, 320).map(() => 'r'), 'f1', 'f3'])
      expect((await store.runs.lineage(ref('r'))).children.map((c) => [c.runId, c.step])).toEqual([
        ['f1', 320],
        ['f2', 600],
      ])
    })

    it('forks at the first and the last step, and at a step between sparse rows', async () => {
      await store.runs.create(runInput('r'))
      await logRows(
        store,
        ref('r'),
        rowsOf([0, 5, 10], (i) => i),
      )
      expect((await store.runs.fork(ref('r'), 0, runInput('first'))).lastStep).toBe(0)
      expect((await seriesOf(store, ref('first'), 'metric')).steps).toEqual([0])
      expect((await store.runs.fork(ref('r'), 10, runInput('last'))).lastStep).toBe(10)
      const mid = await store.runs.fork(ref('r'), 7, runInput('mid'))
      expect(mid.lastStep).toBe(5)
      // The fork's own rows start after the fork step, not after the last kept row.
      await expect(
        store.history.ingest(ref('mid'), batchOf('w', 1, [{ step: 7, metric: 1 }]), NOW),
      ).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      await store.history.ingest(ref('mid'), batchOf('w', 1, [{ step: 8, metric: 1 }]), NOW)
      expect((await seriesOf(store, ref('mid'), 'metric')).steps).toEqual([0, 5, 8])
    })

    it('refuses bad fork and rewind requests and changes nothing', async () => {
      await store.runs.create(runInput('r'))
      await logRows(
        store,
        ref('r'),
        rowsOf(range(0, 9), (i) => i),
      )
      const before = await store.runs.list({
        entity: 'e',
        project: 'p',
        limit: 100,
        offset: 0,
        includeArchived: true,
      })
      await expect(store.runs.fork(ref('r'), 10, runInput('x'))).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      await expect(store.runs.fork(ref('r'), -1, runInput('x'))).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      await expect(store.runs.fork(ref('r'), NaN, runInput('x'))).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      await expect(store.runs.fork(ref('nope'), 1, runInput('x'))).rejects.toMatchObject({
        code: 'RUN_NOT_FOUND',
      })
      await expect(store.runs.fork(ref('r'), 1, runInput('r'))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      })
      await expect(store.runs.rewind(ref('r'), 10, NOW)).rejects.toMatchObject({ code: 'INVALID_STEP' })
      await expect(store.runs.rewind(ref('nope'), 1, NOW)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
      await store.runs.create(runInput('empty'))
      await expect(store.runs.fork(ref('empty'), 0, runInput('x'))).rejects.toMatchObject({
        code: 'INVALID_STEP',
      })
      const after = await store.runs.list({
        entity: 'e',
        project: 'p',
        limit: 100,
        offset: 0,
        includeArchived: true,
      })
      expect(after.total).toBe(before.total + 1)
      expect((await store.runs.get(ref('r')))?.view).toHaveLength(1)
    })
  })
}
