import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { batchOf, logRows, NOW, ref, runInput, seriesOf } from './helpers.js'

const rows = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ step: from + i, loss: 1 / (from + i + 1) }))

for (const dialect of DIALECTS) {
  describe(`transactions [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    let second: (() => Promise<Store>) | undefined
    beforeEach(async () => {
      ;({ store, cleanup, second } = await dialect.open())
      await store.runs.create(runInput('a', { config: { lr: 0.1 } }))
      await logRows(store, ref('a'), rows(0, 100))
    })
    afterEach(() => cleanup())

    async function snapshot() {
      const run = (await store.runs.get(ref('a')))!
      return {
        run: { ...run, view: run.view.length },
        archives: (await store.runs.archives(ref('a'))).length,
        lineage: await store.runs.lineage(ref('a')),
        loss: await seriesOf(store, ref('a'), 'loss'),
        fork: await store.runs.get(ref('f')),
      }
    }

    it('leaves nothing of a rewind, config merge and fork when a later step fails', async () => {
      const before = await snapshot()
      await expect(
        store.transaction(async (tx) => {
          await tx.runs.rewind(ref('a'), 40, NOW + 1)
          await tx.runs.mergeConfig(ref('a'), { lr: 0.2, extra: true })
          await tx.runs.patch(ref('a'), { notes: 'half done' })
          await tx.runs.fork(ref('a'), 20, runInput('f'))
          await tx.history.ingest(ref('a'), batchOf('w2', 1, rows(41, 45)), NOW + 2)
          throw new Error('injected failure')
        }),
      ).rejects.toThrow('injected failure')
      expect(await snapshot()).toEqual(before)
      // The store still works normally afterwards.
      await store.runs.rewind(ref('a'), 40, NOW + 3)
      expect((await store.runs.get(ref('a')))!.lastStep).toBe(40)
    })

    it('keeps the calls of a transaction that succeeds, nested ones included', async () => {
      await store.transaction(async (tx) => {
        await tx.runs.rewind(ref('a'), 40, NOW + 1)
        await tx.runs.mergeConfig(ref('a'), { extra: true })
      })
      const run = (await store.runs.get(ref('a')))!
      expect(run.lastStep).toBe(40)
      expect(run.config).toEqual({ lr: 0.1, extra: true })
      expect(await store.runs.archives(ref('a'))).toHaveLength(1)
    })

    it('runs concurrent transactions one after another on one connection', async () => {
      const before = (await store.runs.get(ref('a')))!
      const tags = Array.from({ length: 8 }, (_, i) => `t${i}`)
      await Promise.all([
        ...tags.map((tag) => store.runs.patch(ref('a'), { tags: [tag] })),
        ...tags.map((_, w) =>
          store.history.ingest(
            ref('a'),
            { writerId: `sys${w}`, seq: 1, system: [{ t: NOW + w, values: { cpu: w } }] },
            NOW,
          ),
        ),
        store.runs.get(ref('a')),
      ])
      const samples = await store.runs.system(ref('a'), 100)
      expect(samples.map((s) => s.values.cpu).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
      expect((await store.runs.get(ref('a')))!.lastStep).toBe(before.lastStep)
    })

    if (!dialect.replicas) return

    it('fails a transaction whose connection the database closes midway, and keeps working', async () => {
      const db = store.database
      await expect(
        db.tx(async (tx) => {
          const { pid } = (await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!
          await tx.run('UPDATE runs SET notes = ?', 'half done')
          // As a restart or an operator would: the connection goes while the transaction waits.
          await db.get('SELECT pg_terminate_backend(?) AS done', pid)
          await new Promise((r) => setTimeout(r, 200))
          await tx.get('SELECT 1 AS one')
        }),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE' })
      expect((await store.runs.get(ref('a')))!.notes).toBe('')
    })

    it('commits a batch sent twice at once by two server processes exactly once', async () => {
      const other = await second!()
      const batch = batchOf('w', 2, rows(100, 200))
      const outcomes = await Promise.all([
        store.history.ingest(ref('a'), batch, NOW),
        other.history.ingest(ref('a'), batch, NOW),
      ])
      expect(outcomes.map((o) => o.duplicate).sort()).toEqual([false, true])
      const loss = await seriesOf(store, ref('a'), 'loss')
      expect(loss.steps).toEqual(rows(0, 200).map((r) => r.step))
    })

    it('lets exactly one of two processes create the same run id', async () => {
      const other = await second!()
      const results = await Promise.allSettled([
        store.runs.create(runInput('same')),
        other.runs.create(runInput('same')),
      ])
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
      const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
      expect(failure.reason).toMatchObject({ code: 'RUN_EXISTS' })
    })

    it('applies concurrent batches of many writers to one run from two processes', async () => {
      const stores = [store, await second!()]
      await Promise.all(
        Array.from({ length: 8 }, (_, w) =>
          stores[w % stores.length]!.history.ingest(
            ref('a'),
            { writerId: `sys${w}`, seq: 1, system: [{ t: NOW + w, values: { cpu: w } }] },
            NOW,
          ),
        ),
      )
      const samples = await store.runs.system(ref('a'), 100)
      expect(samples.map((s) => s.values.cpu).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    })
  })
}
