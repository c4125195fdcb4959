import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { m4, statsOf, type SeriesStats, type SummaryAggregation } from '@stemma/core'
import type { RunRef, Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, NOW, ref, runInput } from './helpers.js'

/** The naive model: every run is a plain array of rows, and forks and rewinds copy it. */
interface ModelRow {
  step: number
  a?: number
  b?: number
  src: string
}
interface ModelRun {
  rows: ModelRow[]
  minNext: number
  seq: number
  archives: ModelRow[][]
}

type Op =
  | { kind: 'log'; run: number; count: number; gaps: number[]; values: number[]; keys: number }
  | { kind: 'fork'; run: number; archive: number | null; at: number }
  | { kind: 'rewind'; run: number; at: number }

const value = fc.oneof(
  { weight: 10, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
)
// Where in the source's rows a fork or rewind cuts, as a fraction; integers spread better than doubles.
const position = fc.integer({ min: 0, max: 9999 }).map((n) => n / 10_000)
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('log' as const),
      run: fc.nat(),
      count: fc.integer({ min: 1, max: 1500 }),
      gaps: fc.array(fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 50 })), {
        minLength: 1,
        maxLength: 5,
      }),
      values: fc.array(value, { minLength: 1, maxLength: 7 }),
      keys: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fork' as const),
      run: fc.nat(),
      archive: fc.option(fc.nat(), { nil: null }),
      at: position,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rewind' as const),
      run: fc.nat(),
      at: position,
    }),
  },
)

async function apply(store: Store, model: Map<string, ModelRun>, o: Op): Promise<void> {
  const ids = [...model.keys()]
  const id = ids[o.run % ids.length]!
  const run = model.get(id)!
  if (o.kind === 'log') {
    const rows: { step: number; [k: string]: number }[] = []
    let step = run.minNext
    for (let i = 0; i < o.count; i++) {
      const row: ModelRow = { step, src: id }
      const v = o.values[i % o.values.length]! + i
      // `a` stays finite so its mean really depends on every count; `b` carries NaN and ±Infinity.
      if (o.keys !== 1 || i % 3 === 0) row.a = Number.isFinite(v) ? v : i
      // `0 - v`, not `-v`: JSON cannot carry -0, and aggregates (SQL REAL) store it as 0.
      if (o.keys !== 0 && i % 2 === 0) row.b = 0 - v
      run.rows.push(row)
      const wire: { step: number; [k: string]: number } = { step }
      if (row.a !== undefined) wire.a = row.a
      if (row.b !== undefined) wire.b = row.b
      rows.push(wire)
      step += o.gaps[i % o.gaps.length]!
    }
    run.minNext = step
    await store.history.ingest(ref(id), batchOf('w', ++run.seq, rows), NOW)
    return
  }
  const source =
    o.kind === 'fork' && o.archive !== null && run.archives.length > 0
      ? run.archives[o.archive % run.archives.length]!
      : run.rows
  if (source.length === 0) return
  const at = source[Math.floor(o.at * source.length) % source.length]!.step + (o.at > 0.5 ? 1 : 0)
  const lastStep = source[source.length - 1]!.step
  const step = Math.min(at, lastStep)
  const kept = source.filter((r) => r.step <= step).map((r) => ({ ...r }))
  if (o.kind === 'fork') {
    const newId = `f${model.size}`
    const srcRef: RunRef =
      o.archive !== null && run.archives.length > 0
        ? { ...ref(id), archive: o.archive % run.archives.length }
        : ref(id)
    await store.runs.fork(srcRef, step, runInput(newId))
    model.set(newId, { rows: kept, minNext: step + 1, seq: 0, archives: [] })
  } else {
    await store.runs.rewind(ref(id), step, NOW)
    run.archives.push(run.rows)
    run.rows = kept
    run.minNext = step + 1
  }
}

/** `a` is defined with every aggregation; the mean may differ in the last bits (summation order). */
function expectAggregates(got: Record<string, number>, want: SeriesStats): void {
  const { mean, ...rest } = got
  const finite = want.finiteCount > 0
  expect(rest).toEqual({
    first: want.first,
    last: want.last,
    ...(finite ? { min: want.min, max: want.max } : {}),
  })
  if (!finite) return expect(mean).toBeUndefined()
  const m = want.sum / want.finiteCount
  if (Number.isFinite(m)) expect(Math.abs(mean! - m)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(m)))
  else expect(mean).toEqual(m)
}

async function check(store: Store, r: RunRef, rows: ModelRow[]): Promise<void> {
  const out = await store.history.read(r, {})
  expect(out.steps).toEqual(rows.map((x) => x.step))
  expect(out.sourceRunIds).toEqual(rows.map((x) => x.src))
  for (const k of ['a', 'b'] as const) {
    const want = rows.map((x) => x[k] ?? null)
    if (want.some((v) => v !== null)) expect(out.columns[k]).toEqual(want)
    else expect(out.columns[k]).toBeUndefined()
    const pts = rows.filter((x) => x[k] !== undefined)
    const last = rows.length > 0 ? rows[rows.length - 1]!.step : 0
    for (const buckets of [1, 13, 400]) {
      const {
        minStep: _x,
        maxStep: _y,
        ...got
      } = await store.history.buckets(r, { key: k, buckets, minStep: 0, maxStep: last })
      expect(got).toEqual(
        m4(
          pts.map((x) => x.step),
          pts.map((x) => x[k]!),
          0,
          last,
          buckets,
        ),
      )
    }
    const summary = (await store.runs.get(r))!.summary
    if (pts.length === 0) expect(summary).not.toHaveProperty(k)
    else if (k === 'b') expect(summary.b).toEqual(pts[pts.length - 1]!.b)
    else
      expectAggregates(
        summary.a as Record<string, number>,
        statsOf(
          pts.map((x) => x.step),
          pts.map((x) => x.a!),
        ),
      )
  }
  const run = await store.runs.get(r)
  expect(run!.lastStep).toBe(rows.length > 0 ? rows[rows.length - 1]!.step : null)
}

for (const dialect of DIALECTS) {
  describe(`lineage property [${dialect.name}]`, () => {
    it('every read of a view equals a naive model that copies', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
          const { store, cleanup } = await dialect.open()
          try {
            const model = new Map<string, ModelRun>([
              ['root', { rows: [], minNext: 0, seq: 0, archives: [] }],
            ])
            await store.runs.create(runInput('root'))
            const metrics = [
              { name: 'a', summary: ['min', 'max', 'mean', 'first', 'last'] as SummaryAggregation[] },
            ]
            await store.history.ingest(ref('root'), { writerId: 'm', seq: 1, metrics }, NOW)
            for (const o of ops) await apply(store, model, o)
            for (const [id, run] of model) {
              await check(store, ref(id), run.rows)
              for (let i = 0; i < run.archives.length; i++)
                await check(store, { ...ref(id), archive: i }, run.archives[i]!)
            }
          } finally {
            await cleanup()
          }
        }),
        { numRuns: dialect.name.includes('memory') ? 60 : 15 },
      )
    })
  })
}
