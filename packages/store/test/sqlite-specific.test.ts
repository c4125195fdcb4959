import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../src/index.js'
import { MIGRATIONS } from '../src/sql/migrations/index.js'
import { logRows, ref, runInput } from './helpers.js'

// SQLite-specific: these look at (or tamper with) the tables directly.
describe('sqlite specifics', () => {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stemma-gc-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('drops a segment and its chunks only when no view references it', async () => {
    const path = join(dir, 'gc.db')
    const store = await openSqliteStore({ path })
    const peek = new Database(path, { readonly: true })
    const count = (table: string) =>
      (peek.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    await store.runs.create(runInput('a'))
    await logRows(
      store,
      ref('a'),
      Array.from({ length: 9000 }, (_, step) => ({ step, x: step })),
    )
    await store.runs.rewind(ref('a'), 10, 0)
    await store.runs.fork(ref('a'), 5, runInput('b'))
    expect(count('segments')).toBe(3)
    await store.runs.delete(ref('a'))
    // `b` still reads a's first segment; a's second (post-rewind) segment is gone.
    expect(count('segments')).toBe(2)
    expect(count('chunks')).toBeGreaterThan(0)
    await store.runs.delete(ref('b'))
    expect([
      count('segments'),
      count('series'),
      count('chunks'),
      count('run_view_parts'),
      count('run_stats'),
    ]).toEqual([0, 0, 0, 0, 0])
    peek.close()
    await store.close()
  })

  it('falls back to summing chunks when running aggregates are missing (chunks from before migration 3)', async () => {
    const path = join(dir, 'legacy.db')
    const store = await openSqliteStore({ path })
    await store.runs.create(runInput('a'))
    await store.history.ingest(
      ref('a'),
      { writerId: 'm', seq: 1, metrics: [{ name: 'x', summary: ['min', 'max', 'mean'] }] },
      0,
    )
    await logRows(
      store,
      ref('a'),
      Array.from({ length: 9000 }, (_, step) => ({ step, x: (step % 100) - 50 })),
    )
    const before = await store.runs.fork(ref('a'), 7000, runInput('b'))
    const raw = new Database(path)
    raw.exec(
      'UPDATE chunks SET cum_count = NULL, cum_finite = NULL, cum_sum = NULL, cum_min = NULL, cum_max = NULL',
    )
    raw.close()
    const after = await store.runs.fork(ref('a'), 7000, runInput('c'))
    expect(after.summary).toEqual(before.summary)
    expect(after.summary.x).toEqual({ min: -50, max: 49, mean: expect.any(Number) })
    await store.close()
  })

  it('rewrites the NUL tag of non-finite numbers that databases before migration 4 hold', async () => {
    const path = join(dir, 'tagged.db')
    const store = await openSqliteStore({ path })
    await store.runs.create(runInput('a', { config: { lr: Infinity, nested: { low: -Infinity } } }))
    await store.close()
    // Put the database back as migration 3 left it: the old tag, and no record of migration 4.
    const raw = new Database(path)
    raw.exec(`UPDATE runs SET config = replace(config, char(64976) || 'num:', '\\u0000num:')`)
    raw.exec('DELETE FROM schema_migrations WHERE version = 4')
    expect((raw.prepare('SELECT config FROM runs').get() as { config: string }).config).toContain(
      '\\u0000num:',
    )
    raw.close()
    const reopened = await openSqliteStore({ path })
    expect((await reopened.runs.get(ref('a')))!.config).toEqual({ lr: Infinity, nested: { low: -Infinity } })
    await reopened.close()
  })

  it('reopens an existing file without re-running migrations', async () => {
    const path = join(dir, 'again.db')
    const first = await openSqliteStore({ path })
    await first.runs.create(runInput('a'))
    await first.close()
    const second = await openSqliteStore({ path })
    expect(await second.runs.get(ref('a'))).not.toBeNull()
    await second.close()
    const peek = new Database(path, { readonly: true })
    expect(peek.prepare('SELECT version FROM schema_migrations').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    )
    expect(peek.pragma('journal_mode', { simple: true })).toBe('wal')
    peek.close()
  })
})
