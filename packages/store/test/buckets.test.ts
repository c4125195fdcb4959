import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { m4 } from '@stemma/core'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { logRows, mulberry32, ref, runInput } from './helpers.js'
import { decodeLod, LOD, LOD_FIELDS } from '../src/history/codec.js'

type Row = { step: number; [k: string]: number }

function randomRows(random: () => number, from: number, n: number, sparse: boolean): Row[] {
  const rows: Row[] = []
  let step = from
  for (let i = 0; i < n; i++) {
    const r = random()
    const v =
      r < 0.01 ? NaN : r < 0.015 ? Infinity : r < 0.02 ? -Infinity : Math.sin(step / 50) * 10 + random()
    rows.push({ step, x: v })
    step += sparse && random() < 0.3 ? 1 + Math.floor(random() * 300) : 1
  }
  return rows
}

/** Compares NaN-aware, as `toEqual` does with Object.is semantics for NaN. */
function expectSame(actual: unknown, expected: unknown) {
  expect(actual).toEqual(expected)
}

for (const dialect of DIALECTS) {
  describe(`M4 buckets [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
    })
    afterEach(() => cleanup())

    for (const sparse of [false, true]) {
      it(`equal the reference m4() on ${sparse ? 'sparse' : 'dense'} random data`, async () => {
        const random = mulberry32(sparse ? 7 : 3)
        const rows = randomRows(random, 0, 20_000, sparse)
        await store.runs.create(runInput('r'))
        await logRows(store, ref('r'), rows, 1500)
        const steps = rows.map((r) => r.step)
        const values = rows.map((r) => r.x!)
        const last = steps[steps.length - 1]!
        const ranges: [number, number][] = [
          [0, last],
          [0, 0],
          [17, 4_321],
          [Math.floor(last / 3), Math.floor(last / 2)],
          [last - 5, last + 100],
        ]
        for (const [minStep, maxStep] of ranges) {
          for (const buckets of [1, 3, 10, 64, 1000, 5000]) {
            const got = await store.history.buckets(ref('r'), { key: 'x', minStep, maxStep, buckets })
            const { minStep: _a, maxStep: _b, ...m } = got
            expectSame(m, m4(steps, values, minStep, maxStep, buckets))
          }
        }
      })
    }

    it('equal the reference over a view with fork and rewind cuts in the middle of chunks', async () => {
      const random = mulberry32(11)
      const parent = randomRows(random, 0, 12_000, true)
      await store.runs.create(runInput('a'))
      await logRows(store, ref('a'), parent, 1000)
      const cut = parent[6_001]!.step
      await store.runs.fork(ref('a'), cut, runInput('b'))
      const child = randomRows(random, cut + 1, 5_000, true)
      await logRows(store, ref('b'), child, 1000)
      const rewindAt = child[2_500]!.step
      await store.runs.rewind(ref('b'), rewindAt, 0)
      const after = randomRows(random, rewindAt + 1, 3_000, false)
      await logRows(store, ref('b'), after, 1000)
      const model = [
        ...parent.filter((r) => r.step <= cut),
        ...child.filter((r) => r.step <= rewindAt),
        ...after,
      ]
      const steps = model.map((r) => r.step)
      const values = model.map((r) => r.x!)
      const last = steps[steps.length - 1]!
      for (const [minStep, maxStep] of [
        [0, last],
        [cut - 500, cut + 500],
        [rewindAt - 1000, last],
      ] as [number, number][]) {
        for (const buckets of [1, 7, 100, 2000]) {
          const {
            minStep: _a,
            maxStep: _b,
            ...m
          } = await store.history.buckets(ref('b'), { key: 'x', minStep, maxStep, buckets })
          expectSame(m, m4(steps, values, minStep, maxStep, buckets))
        }
      }
      // The archived (pre-rewind) copy still sees the child's whole original branch.
      const archived = [...parent.filter((r) => r.step <= cut), ...child]
      const as = archived.map((r) => r.step)
      const {
        minStep: _c,
        maxStep: _d,
        ...m
      } = await store.history.buckets(
        { ...ref('b'), archive: 0 },
        { key: 'x', minStep: 0, maxStep: as[as.length - 1]!, buckets: 333 },
      )
      expectSame(
        m,
        m4(
          as,
          archived.map((r) => r.x!),
          0,
          as[as.length - 1]!,
          333,
        ),
      )
    })

    it('equal the reference where contiguous and gapped chunks mix, in either LOD layout', async () => {
      const random = mulberry32(5)
      const rows = randomRows(random, 0, 9_000, false)
      rows.push(...randomRows(random, rows[rows.length - 1]!.step + 1, 6_000, true))
      rows.push(...randomRows(random, rows[rows.length - 1]!.step + 40, 5_000, false))
      await store.runs.create(runInput('r'))
      await logRows(store, ref('r'), rows, 1500)
      const steps = rows.map((r) => r.step)
      const values = rows.map((r) => r.x!)
      const last = steps[steps.length - 1]!
      const expectReference = async () => {
        for (const [minStep, maxStep] of [
          [0, last],
          [8_000, steps[12_000]!],
          [steps[14_500]!, last - 3],
        ] as [number, number][]) {
          for (const buckets of [1, 9, 200, 1000, 20_000]) {
            const got = await store.history.buckets(ref('r'), { key: 'x', minStep, maxStep, buckets })
            const { minStep: _a, maxStep: _b, ...m } = got
            expectSame(m, m4(steps, values, minStep, maxStep, buckets))
          }
        }
      }
      await expectReference()

      // Chunks written before the column layout hold one record of LOD_FIELDS values per block.
      const db = store.database
      const chunks = await db.all<{ id: number; count: number; lod_blob: Uint8Array }>(
        'SELECT id, count, lod_blob FROM chunks WHERE lod_blob IS NOT NULL',
      )
      expect(chunks.length).toBeGreaterThan(3)
      for (const c of chunks) {
        const lod = decodeLod(c.lod_blob, c.count)
        const records = new Float64Array(lod.blocks * LOD_FIELDS)
        for (let b = 0; b < lod.blocks; b++) {
          for (const f of Object.values(LOD)) records[b * LOD_FIELDS + f] = lod.get(b, f)
        }
        await db.run('UPDATE chunks SET lod_blob = ? WHERE id = ?', Buffer.from(records.buffer), c.id)
      }
      await expectReference()
    })

    it('read whole while a writer merges and drops the chunks they span', async () => {
      // One-row batches become small chunks at the series' tail, merged (deleted and rewritten)
      // every 49 batches: reads running meanwhile must see each chunk before or after, whole.
      await store.runs.create(runInput('r'))
      const reads: Promise<unknown>[] = []
      let logged = 0
      for (let i = 0; i < 30; i++) {
        const counted = logged
        reads.push(
          store.history.buckets(ref('r'), { key: 'x', buckets: 7 }).then((b) => {
            // Steps 0…n−1, each counted once: a prefix of what was logged, nothing lost or twice.
            const seen = b.count.reduce((sum, n) => sum + n, 0)
            expect(seen).toBeGreaterThanOrEqual(counted)
            expect(seen).toBe((b.lastStep.at(-1) ?? -1) + 1)
          }),
          store.history.read(ref('r'), {}).then((rows) => {
            expect(rows.steps.length).toBeGreaterThanOrEqual(counted)
            expect(rows.steps.every((step, j) => step === j)).toBe(true)
            expect((rows.columns.x ?? []).every((v, j) => v === j * 2)).toBe(true)
          }),
        )
        const rows = Array.from({ length: 20 }, (_, j) => ({ step: logged + j, x: (logged + j) * 2 }))
        await logRows(store, ref('r'), rows, 1)
        logged += rows.length
      }
      await Promise.all(reads)
    })

    it('refuses bad bucket counts', async () => {
      await store.runs.create(runInput('r'))
      await expect(store.history.buckets(ref('r'), { key: 'x', buckets: 0 })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      })
    })
  })
}
