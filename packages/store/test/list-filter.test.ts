import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { matchesFilter, resolvePath, type RunFilter } from '@stemma/core'
import type { RunRecord, Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { NOW, ref, runInput } from './helpers.js'

const VALUES: unknown[] = [
  0,
  1,
  2.5,
  -3,
  Infinity,
  -Infinity,
  NaN,
  'a',
  'b',
  '10',
  [1, 'a'],
  [],
  { x: 1 },
  true,
  null,
]

/** The run-shaped object filters are defined over, built from a full record. */
function shape(r: RunRecord): Record<string, unknown> {
  return {
    id: r.runId,
    name: r.displayName,
    state: r.state,
    tags: r.tags,
    group: r.group,
    jobType: r.jobType,
    createdAt: r.createdAt,
    config: r.config,
    summary: r.summary,
    metadata: r.metadata,
  }
}

const FILTERS: RunFilter[] = [
  { 'config.v': 1 },
  { 'config.v': 'a' },
  { 'config.v': { $gt: 0 } },
  { 'config.v': { $gte: 1, $lt: 100 } },
  { 'config.v': { $lte: -1 } },
  { 'config.v': { $gt: 'a' } },
  { 'config.v': { $in: [1, 'b', -3] } },
  { 'config.v': { $nin: [1, 'b'] } },
  { 'config.v': { $exists: true } },
  { 'config.v': { $exists: false } },
  { 'config.v': { $ne: 'a' } },
  { 'config.v': { $regex: '^[ab]' } },
  { 'summary.loss': { $lt: 2 }, 'config.v': { $exists: true } },
  { $or: [{ 'config.v': 1 }, { 'summary.loss': { $gt: 5 } }] },
  { 'config.v': { $gt: 0 }, state: 'running' },
]

for (const dialect of DIALECTS) {
  describe(`list filters [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
      for (let i = 0; i < VALUES.length * 2; i++) {
        const v = VALUES[i % VALUES.length]
        await store.runs.create(runInput(`r${i}`, { now: NOW + i, config: i < VALUES.length ? { v } : {} }))
        await store.history.ingest(
          ref(`r${i}`),
          { writerId: 'w', seq: 1, summary: { loss: VALUES[(i * 7) % VALUES.length] } },
          NOW,
        )
      }
    })
    afterEach(() => cleanup())

    it('match what core matchesFilter says over every run', async () => {
      const all = (await store.runs.list({ entity: 'e', project: 'p', limit: 1000, offset: 0 })).runs
      for (const filter of FILTERS) {
        const got = await store.runs.list({
          entity: 'e',
          project: 'p',
          filter,
          limit: 1000,
          offset: 0,
          now: NOW,
        })
        const want = all.filter((r) => matchesFilter(filter, (path) => resolvePath(shape(r), path)))
        expect(
          got.runs.map((r) => r.runId),
          JSON.stringify(filter),
        ).toEqual(want.map((r) => r.runId))
        expect(got.total).toBe(want.length)
      }
    })

    it('filters on the state users see: silent running runs read as crashed', async () => {
      const list = (state: string, now: number) =>
        store.runs.list({ entity: 'e', project: 'p', filter: { state }, limit: 1000, offset: 0, now })
      expect((await list('running', NOW)).total).toBe(VALUES.length * 2)
      const later = NOW + 3_600_000
      expect((await list('running', later)).total).toBe(0)
      expect((await list('crashed', later)).total).toBe(VALUES.length * 2)
    })
  })
}
