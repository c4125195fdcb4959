import type { SeriesStats } from '@stemma/core'
import { realOrNaN } from './json.js'

/** The aggregate columns that chunks and `run_stats` share, as SQLite returns them. */
export interface StatsColumns {
  count: number
  finite_count: number
  sum: number | null
  min: number | null
  max: number | null
  first_step: number
  first: number | null
  last_step: number
  last: number | null
}

/** NaN comes back as NULL from a REAL column; an all-NaN series has no min or max. */
export function statsFromColumns(r: StatsColumns): SeriesStats {
  return {
    count: r.count,
    finiteCount: r.finite_count,
    sum: realOrNaN(r.sum),
    min: r.finite_count > 0 ? realOrNaN(r.min) : Infinity,
    max: r.finite_count > 0 ? realOrNaN(r.max) : -Infinity,
    firstStep: r.first_step,
    first: realOrNaN(r.first),
    lastStep: r.last_step,
    last: realOrNaN(r.last),
  }
}
