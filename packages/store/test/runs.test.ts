import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { logRows, NOW, ref, runInput } from './helpers.js'

for (const dialect of DIALECTS) {
  describe(`runs [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
    })
    afterEach(() => cleanup())

    it('creates runs with generated display names numbered per project', async () => {
      const a = await store.runs.create(runInput('a'))
      const b = await store.runs.create(
        runInput('b', { displayName: 'mine', tags: ['x'], group: 'g', jobType: 'train', notes: 'n' }),
      )
      await store.runs.delete(ref('a'))
      const c = await store.runs.create(runInput('c'))
      const other = await store.runs.create(runInput('a', { project: 'q' }))
      expect(a.displayName).toMatch(/^[a-z]+-[a-z]+-1$/)
      expect(b).toMatchObject({
        displayName: 'mine',
        tags: ['x'],
        group: 'g',
        jobType: 'train',
        notes: 'n',
        state: 'running',
      })
      expect(c.displayName).toMatch(/-3$/)
      expect(other.displayName).toMatch(/-1$/)
      expect(a).toMatchObject({
        entity: 'e',
        project: 'p',
        runId: 'a',
        lastStep: null,
        summary: {},
        config: {},
        archivedFrom: null,
      })
      expect(a.view).toEqual([{ segmentId: a.view[0]!.segmentId, fromStep: 0, toStep: null }])
      await expect(store.runs.create(runInput('b'))).rejects.toMatchObject({ code: 'RUN_EXISTS' })
      await expect(store.runs.create(runInput('bad/id'))).rejects.toMatchObject({ code: 'INVALID_RUN_ID' })
      expect(await store.runs.get(ref('zzz'))).toBeNull()
      expect(await store.runs.getByPk(b.pk)).toMatchObject({ runId: 'b' })
    })

    it('patches, sets state and merges config', async () => {
      await store.runs.create(runInput('a', { config: { lr: 1, nested: { x: NaN } } }))
      const p = await store.runs.patch(ref('a'), { name: 'new', tags: ['t'], group: null })
      expect(p).toMatchObject({ displayName: 'new', tags: ['t'], group: null, notes: '' })
      const s = await store.runs.setState(ref('a'), {
        state: 'killed',
        exitCode: 1,
        finishedAt: 5,
        stopRequested: true,
      })
      expect(s).toMatchObject({ state: 'killed', exitCode: 1, finishedAt: 5, stopRequested: true })
      const again = await store.runs.setState(ref('a'), { heartbeatAt: 9 })
      expect(again).toMatchObject({ state: 'killed', exitCode: 1, heartbeatAt: 9 })
      const c = await store.runs.mergeConfig(ref('a'), { bs: 2 })
      expect(c.config).toEqual({ lr: 1, nested: { x: NaN }, bs: 2 })
      await expect(store.runs.patch(ref('nope'), { notes: 'x' })).rejects.toMatchObject({
        code: 'RUN_NOT_FOUND',
      })
    })

    it('lists with filters, sorting by any field path and pagination', async () => {
      for (let i = 0; i < 12; i++) {
        await store.runs.create(
          runInput(`r${i}`, {
            now: NOW + i,
            config: { lr: i / 10, arch: i % 2 ? 'cnn' : 'mlp' },
            tags: i % 3 === 0 ? ['best'] : [],
          }),
        )
        if (i % 4 !== 3) await logRows(store, ref(`r${i}`), [{ step: 0, loss: 100 - i * 7 }])
      }
      const all = await store.runs.list({ entity: 'e', project: 'p', limit: 5, offset: 0 })
      expect(all.total).toBe(12)
      expect(all.runs.map((r) => r.runId)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7'])
      const page2 = await store.runs.list({
        entity: 'e',
        project: 'p',
        limit: 5,
        offset: 10,
        order: 'createdAt',
      })
      expect(page2.runs.map((r) => r.runId)).toEqual(['r10', 'r11'])
      const filtered = await store.runs.list({
        entity: 'e',
        project: 'p',
        filter: { 'config.arch': 'cnn', 'config.lr': { $gte: 0.5 } },
        order: '-summary.loss',
        limit: 10,
        offset: 0,
      })
      // r7 and r11 never logged a loss: missing values sort last, ties newest first.
      expect(filtered.runs.map((r) => r.runId)).toEqual(['r5', 'r9', 'r11', 'r7'])
      const bySummary = await store.runs.list({
        entity: 'e',
        project: 'p',
        order: 'summary.loss',
        limit: 3,
        offset: 0,
      })
      expect(bySummary.runs.map((r) => r.runId)).toEqual(['r10', 'r9', 'r8'])
      const tagged = await store.runs.list({
        entity: 'e',
        project: 'p',
        filter: { $or: [{ tags: 'best' }, { name: { $regex: 'zzz' } }] },
        limit: 10,
        offset: 0,
      })
      expect(tagged.total).toBe(4)
      await expect(
        store.runs.list({ entity: 'e', project: 'p', filter: { $bogus: 1 }, limit: 1, offset: 0 }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      })
      expect((await store.runs.list({ entity: 'e', project: 'none', limit: 1, offset: 0 })).total).toBe(0)
    })

    it('sorts the same in the database as in process, including odd summary values', async () => {
      const losses: unknown[] = [
        3,
        Infinity,
        -Infinity,
        NaN,
        'text',
        1.5,
        -2,
        { nested: 1 },
        true,
        undefined,
        0,
        'abc',
      ]
      for (let i = 0; i < losses.length; i++) {
        await store.runs.create(runInput(`s${i}`, { now: NOW + (i % 3), config: { 'odd.key': i } }))
        const loss = losses[i]
        if (typeof loss === 'number') await logRows(store, ref(`s${i}`), [{ step: 0, loss }])
        else if (loss !== undefined) {
          await store.history.ingest(ref(`s${i}`), { writerId: 'w', seq: 1, summary: { loss } }, NOW)
        }
      }
      for (const order of [
        'summary.loss',
        '-summary.loss',
        'createdAt',
        '-createdAt',
        'name',
        '-lastStep',
        'config.odd.key',
      ]) {
        const viaSql = await store.runs.list({ entity: 'e', project: 'p', order, limit: 100, offset: 0 })
        const inProcess = await store.runs.list({
          entity: 'e',
          project: 'p',
          order,
          filter: { id: { $exists: true } },
          limit: 100,
          offset: 0,
        })
        expect(
          viaSql.runs.map((r) => r.runId),
          order,
        ).toEqual(inProcess.runs.map((r) => r.runId))
      }
      const asc = await store.runs.list({
        entity: 'e',
        project: 'p',
        order: 'summary.loss',
        limit: 100,
        offset: 0,
      })
      expect(asc.runs.map((r) => r.runId).slice(0, 8)).toEqual([
        's2',
        's6',
        's10',
        's5',
        's0',
        's1',
        's11',
        's4',
      ])
      const page = await store.runs.list({
        entity: 'e',
        project: 'p',
        order: '-summary.loss',
        limit: 2,
        offset: 1,
      })
      expect(page.runs.map((r) => r.runId)).toEqual(['s0', 's5'])
      expect(page.total).toBe(losses.length)
    })

    it('stores users and hashed API keys', async () => {
      expect(await store.auth.countUsers()).toBe(0)
      const id = await store.auth.createUser('admin', true, NOW)
      await store.auth.addApiKey(id, 'ab'.repeat(32), 'first', NOW)
      expect(await store.auth.countUsers()).toBe(1)
      expect(await store.auth.findKeyOwner('ab'.repeat(32))).toEqual({
        userId: id,
        username: 'admin',
        isAdmin: true,
      })
      expect(await store.auth.findKeyOwner('cd'.repeat(32))).toBeNull()
      await expect(store.auth.createUser('admin', false, NOW)).rejects.toThrow()
    })
  })
}
