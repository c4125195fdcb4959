import type { SqlDialect } from '../dialect.js'

/**
 * Running aggregates over a series up to and including each chunk, so the stats of any prefix of
 * a segment (what a fork or rewind keeps) are one row away instead of a scan over its chunks.
 * NULL on chunks written before this migration: readers then fall back to summing chunks.
 */
export function chunkPrefix(d: SqlDialect): string[] {
  const { int, real } = d.types
  return ['cum_count', 'cum_finite']
    .map((c) => `ALTER TABLE chunks ADD COLUMN ${c} ${int}`)
    .concat(['cum_sum', 'cum_min', 'cum_max'].map((c) => `ALTER TABLE chunks ADD COLUMN ${c} ${real}`))
}
