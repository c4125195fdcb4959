import type { SqlDialect } from '../dialect.js'

/**
 * Small batches become small chunks that are merged once they add up to a full one; the series
 * row counts them so an append knows when without scanning chunks.
 */
export function seriesTail(d: SqlDialect): string[] {
  return [
    `ALTER TABLE series ADD COLUMN tail_chunks ${d.types.int} NOT NULL DEFAULT 0`,
    `ALTER TABLE series ADD COLUMN tail_points ${d.types.int} NOT NULL DEFAULT 0`,
  ]
}
