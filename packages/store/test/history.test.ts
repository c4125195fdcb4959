import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { m4, type IngestBatch } from '@stemma/core'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, logRows, NOW, ref, runInput } from './helpers.js'

for (const dialect of DIALECTS) {
  describe(`history [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
      await store.runs.create(runInput('r'))
    })
    afterEach(() => cleanup())

    // 9,000 rows with gaps; `b` on even steps only, `c` with non-finite values.
    const rows = Array.from({ length: 9000 }, (_, i) => {
      const step = i < 5000 ? i : 2 * i
      const row: { step: number; [k: string]: number } = { step, a: Math.sin(step) }
      if (step % 2 === 0) row.b = step
      row.c = step % 11 === 0 ? NaN : step % 13 === 0 ? Infinity : step % 17 === 0 ? -Infinity : step / 3
      return row
    })

    it('reads back exactly what was logged, across batch sizes', async () => {
      await logRows(store, ref('r'), rows.slice(0, 10), 3)
      await logRows(store, ref('r'), rows.slice(10, 5000), 777)
      await logRows(store, ref('r'), rows.slice(5000), 2500)
      const out = await store.history.read(ref('r'), {})
      expect(out.steps).toEqual(rows.map((r) => r.step))
      expect(Object.keys(out.columns)).toEqual(['a', 'b', 'c'])
      for (const k of ['a', 'b', 'c']) expect(out.columns[k]).toEqual(rows.map((r) => (k in r ? r[k] : null)))
      expect(out.runtime).toEqual(rows.map((r) => r.step / 10))
      expect(out.timestamp).toEqual(rows.map((r) => NOW / 1000 + r.step))
      expect(new Set(out.sourceRunIds)).toEqual(new Set(['r']))
    })

    it('reads back exactly after small batches behind a large tail chunk', async () => {
      await logRows(store, ref('r'), rows.slice(0, 2000), 2000)
      await logRows(store, ref('r'), rows.slice(2000, 2050), 5)
      await logRows(store, ref('r'), rows.slice(2050), 3000)
      const out = await store.history.read(ref('r'), { keys: ['c'] })
      expect(out.steps).toEqual(rows.map((r) => r.step))
      expect(out.columns.c).toEqual(rows.map((r) => r.c))
    })

    it('merges many one-row batches into full chunks without losing a point', async () => {
      const few = rows.slice(0, 230)
      await logRows(store, ref('r'), few, 1)
      const out = await store.history.read(ref('r'), {})
      expect(out.steps).toEqual(few.map((r) => r.step))
      expect(out.columns.a).toEqual(few.map((r) => r.a))
      const b = await store.history.buckets(ref('r'), { key: 'c', buckets: 7 })
      const { minStep: _x, maxStep: _y, ...m } = b
      expect(m).toEqual(
        m4(
          few.map((r) => r.step),
          few.map((r) => r.c!),
          0,
          229,
          7,
        ),
      )
    })

    it('honours keys, step range and limit', async () => {
      await logRows(store, ref('r'), rows)
      const out = await store.history.read(ref('r'), { keys: ['b'], minStep: 4990, maxStep: 5010 })
      const want = rows.filter((r) => r.step >= 4990 && r.step <= 5010)
      expect(out.steps).toEqual(want.map((r) => r.step))
      expect(Object.keys(out.columns)).toEqual(['b'])
      expect(out.columns.b).toEqual(want.map((r) => r.b ?? null))
      const limited = await store.history.read(ref('r'), { keys: ['a'], minStep: 100, limit: 7 })
      expect(limited.steps).toEqual([100, 101, 102, 103, 104, 105, 106])
      expect(limited.columns.a).toEqual(limited.steps.map((s) => Math.sin(s)))
    })

    it('lists keys with counts', async () => {
      await logRows(store, ref('r'), rows)
      await store.history.ingest(
        ref('r'),
        { writerId: 'v', seq: 1, values: [{ step: 20000, key: 'img', value: { path: 'x.png' } }] },
        NOW,
      )
      expect(await store.history.keys(ref('r'))).toEqual([
        { key: 'a', kind: 'scalar', count: 9000, last: rows[8999]!.a },
        { key: 'b', kind: 'scalar', count: rows.filter((r) => 'b' in r).length, last: rows[8999]!.b },
        { key: 'c', kind: 'scalar', count: 9000, last: rows[8999]!.c },
        { key: 'img', kind: 'value', count: 1 },
      ])
    })

    it('treats a re-sent batch as a no-op and refuses a gap', async () => {
      const b1 = batchOf('w', 1, rows.slice(0, 10))
      const first = await store.history.ingest(ref('r'), b1, NOW)
      expect(first).toMatchObject({ committedSeq: 1, duplicate: false })
      const again = await store.history.ingest(ref('r'), b1, NOW)
      expect(again).toMatchObject({ committedSeq: 1, duplicate: true })
      await expect(
        store.history.ingest(ref('r'), batchOf('w', 3, rows.slice(10, 20)), NOW),
      ).rejects.toMatchObject({
        code: 'SEQUENCE_GAP',
        details: { expectedSeq: 2 },
      })
      // Another writer has its own sequence.
      expect(await store.history.ingest(ref('r'), batchOf('w2', 1, rows.slice(10, 20)), NOW)).toMatchObject({
        committedSeq: 1,
      })
      expect((await store.history.read(ref('r'), {})).steps).toEqual(rows.slice(0, 20).map((r) => r.step))
    })

    it('refuses steps at or below the last step and changes nothing', async () => {
      await store.history.ingest(ref('r'), batchOf('w', 1, rows.slice(0, 10)), NOW)
      const bad = { ...batchOf('w', 2, rows.slice(5, 15)), config: { x: 1 } }
      await expect(store.history.ingest(ref('r'), bad, NOW)).rejects.toMatchObject({ code: 'INVALID_STEP' })
      const run = await store.runs.get(ref('r'))
      expect(run?.config).toEqual({})
      expect(run?.lastStep).toBe(9)
      expect((await store.history.read(ref('r'), {})).steps.length).toBe(10)
      expect(await store.history.ingest(ref('r'), batchOf('w', 2, rows.slice(10, 15)), NOW)).toMatchObject({
        committedSeq: 2,
      })
    })

    it('applies everything else a batch carries', async () => {
      const batch: IngestBatch = {
        ...batchOf('w', 1, [
          { step: 0, loss: 1 },
          { step: 1, loss: 0.5 },
        ]),
        values: [{ step: 1, key: 'caption', value: 'hello' }],
        rejected: [{ attemptedStep: 0, currentStep: 2, keys: ['loss'], timestamp: 5 }],
        config: { lr: 0.1 },
        summary: { best: 7 },
        metadata: { host: 'h' },
        console: [{ t: 1, stream: 'stdout', line: 'hi' }],
        system: [{ t: 2, values: { cpu: 50 } }],
        alerts: [
          { t: 3, title: 'loss is NaN', text: 'at step 1', level: 'ERROR' as const },
          { t: 4, title: 'slow', text: '', level: 'WARN' as const },
        ],
      }
      const out = await store.history.ingest(ref('r'), batch, NOW + 5)
      expect(out.run).toMatchObject({
        config: { lr: 0.1 },
        metadata: { host: 'h' },
        summaryOverrides: { best: 7 },
        summary: { loss: 0.5, caption: 'hello', best: 7, _step: 1 },
        rejectedCount: 1,
        heartbeatAt: NOW + 5,
        lastStep: 1,
        state: 'running',
      })
      await store.history.ingest(
        ref('r'),
        {
          writerId: 'w',
          seq: 2,
          summary: { best: null },
          config: { bs: 2 },
          exit: { state: 'failed', exitCode: 3 },
        },
        NOW + 9,
      )
      const run = await store.runs.get(ref('r'))
      expect(run).toMatchObject({
        config: { lr: 0.1, bs: 2 },
        state: 'failed',
        exitCode: 3,
        finishedAt: NOW + 9,
      })
      expect(run?.summary).not.toHaveProperty('best')
      expect(await store.runs.rejected(ref('r'), 10)).toEqual(batch.rejected)
      expect(await store.runs.console(ref('r'), 10)).toEqual(batch.console)
      expect(await store.runs.system(ref('r'), 10)).toEqual(batch.system)
      expect(await store.runs.alerts(ref('r'), 10)).toEqual(batch.alerts)
      expect(await store.runs.alerts(ref('r'), 1)).toEqual([batch.alerts![1]])
      expect((await store.history.read(ref('r'), {})).values).toEqual([
        { step: 1, key: 'caption', value: 'hello' },
      ])
    })

    it('accepts an empty history block as a heartbeat', async () => {
      const out = await store.history.ingest(
        ref('r'),
        { writerId: 'w', seq: 1, history: { steps: [], runtime: [], timestamp: [], columns: { a: [] } } },
        NOW + 1,
      )
      expect(out.run).toMatchObject({ lastStep: null, heartbeatAt: NOW + 1, summary: {} })
      expect(await store.history.keys(ref('r'))).toEqual([])
    })

    it('marks preempting and refuses unknown runs and bad columns', async () => {
      const out = await store.history.ingest(ref('r'), { writerId: 'w', seq: 1, preempting: true }, NOW)
      expect(out.run.state).toBe('preempting')
      await expect(
        store.history.ingest(ref('nope'), batchOf('w', 1, rows.slice(0, 1)), NOW),
      ).rejects.toMatchObject({
        code: 'RUN_NOT_FOUND',
      })
      const bad = batchOf('w', 2, rows.slice(0, 2))
      bad.history!.columns.a = [1]
      await expect(store.history.ingest(ref('r'), bad, NOW)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      })
    })

    it('answers M4 buckets for the whole run by default', async () => {
      await logRows(store, ref('r'), rows)
      const b = await store.history.buckets(ref('r'), { key: 'a', buckets: 10 })
      expect(b.minStep).toBe(0)
      expect(b.maxStep).toBe(rows[rows.length - 1]!.step)
      expect(b.count.reduce((x, y) => x + y, 0)).toBe(rows.length)
    })
  })
}
