import { emptyStats, mergeStats, statsOf, type SeriesStats, type View } from '@stemma/core'
import type { Executor } from '../sql/executor.js'
import { realOrNaN } from '../sql/json.js'
import type { ChunkStore } from './chunks.js'
import { LOD, lodBlockStats, type Points } from './codec.js'
import { partRanges } from './view-ranges.js'

interface InnerRow {
  key: string
  count: number
  finite_count: number
  sum: number | null
  nan_sums: number
  min: number | null
  max: number | null
  first_step: number
  last_step: number
  first: number | null
  last: number | null
}

interface EdgeRow {
  key: string
  id: number
  first_step: number
  count: number
}

// Chunks wholly inside [lo, hi], aggregated per series by the database: no row per chunk reaches JS.
const INNER = `SELECT s.key AS key, sum(c.count) AS count, sum(c.finite_count) AS finite_count, sum(c.sum) AS sum,
    sum(CASE WHEN c.sum IS NULL AND c.finite_count > 0 THEN 1 ELSE 0 END) AS nan_sums,
    min(c.min) AS min, max(c.max) AS max, min(c.first_step) AS first_step, max(c.last_step) AS last_step,
    (SELECT f.first FROM chunks f WHERE f.series_id = s.id AND f.first_step >= @lo ORDER BY f.first_step LIMIT 1) AS first,
    (SELECT l.last FROM chunks l WHERE l.series_id = s.id AND l.first_step <= @hi AND l.last_step <= @hi
      ORDER BY l.first_step DESC LIMIT 1) AS last
  FROM series s JOIN chunks c ON c.series_id = s.id
  WHERE s.segment_id = @seg AND c.first_step >= @lo AND c.first_step <= @hi AND c.last_step <= @hi
  GROUP BY s.id`

// Running aggregates at the last chunk wholly at or before `hi`: a view part keeps a prefix of its
// segment (nothing in a segment precedes the part's fromStep), so this is the part's inner chunks.
const PREFIX = `SELECT s.key AS key, c.cum_count AS count, c.cum_finite AS finite_count, c.cum_sum AS sum,
    CASE WHEN c.cum_sum IS NULL AND c.cum_finite > 0 THEN 1 ELSE 0 END AS nan_sums,
    c.cum_min AS min, c.cum_max AS max, c.last_step AS last_step, c.last AS last,
    f.first_step AS first_step, f.first AS first
  FROM series s
  JOIN chunks c ON c.id = (SELECT l.id FROM chunks l WHERE l.series_id = s.id AND l.first_step <= @hi AND l.last_step <= @hi
    ORDER BY l.first_step DESC LIMIT 1)
  JOIN chunks f ON f.id = (SELECT x.id FROM chunks x WHERE x.series_id = s.id ORDER BY x.first_step LIMIT 1)
  WHERE s.segment_id = @seg`

// The chunk holding `lo` when it starts before it (it may also hold `hi`).
const LOW_EDGE = `SELECT s.key AS key, c.id AS id, c.first_step AS first_step, c.count AS count
  FROM series s JOIN chunks c ON c.id = (
    SELECT x.id FROM chunks x WHERE x.series_id = s.id AND x.first_step < @lo ORDER BY x.first_step DESC LIMIT 1)
  WHERE s.segment_id = @seg AND c.last_step >= @lo`

// The chunk holding `hi` when it ends after it and starts inside the range.
const HIGH_EDGE = `SELECT s.key AS key, c.id AS id, c.first_step AS first_step, c.count AS count
  FROM series s JOIN chunks c ON c.id = (
    SELECT x.id FROM chunks x WHERE x.series_id = s.id AND x.first_step <= @hi ORDER BY x.first_step DESC LIMIT 1)
  WHERE s.segment_id = @seg AND c.last_step > @hi AND c.first_step >= @lo`

/**
 * Aggregates of every scalar series over a view, for the summary after a fork or rewind. Whole
 * chunks are summed in SQL from their columns; only the (at most two) chunks a part's bounds cut
 * are decoded. The cost is a few queries per view part, independent of the number of points.
 */
export async function viewStats(
  db: Executor,
  chunks: ChunkStore,
  view: View,
): Promise<Map<string, SeriesStats>> {
  const out = new Map<string, SeriesStats>()
  const statsFor = (key: string) => {
    let s = out.get(key)
    if (!s) out.set(key, (s = emptyStats()))
    return s
  }
  for (const { segmentId, lo, hi } of partRanges(view)) {
    const params = { seg: segmentId, lo, hi: Number.isFinite(hi) ? hi : Number.MAX_SAFE_INTEGER }
    const edges = async (sql: string) => {
      const out = new Map<string, SeriesStats>()
      for (const e of await db.all<EdgeRow>(sql, params))
        out.set(e.key, await cutChunkStats(chunks, e, lo, hi))
      return out
    }
    const low = await edges(LOW_EDGE)
    const inner = new Map((await innerRows(db, params)).map((r) => [r.key, toStats(r)]))
    const high = await edges(HIGH_EDGE)
    for (const key of new Set([...low.keys(), ...inner.keys(), ...high.keys()])) {
      const stats = statsFor(key)
      for (const piece of [low.get(key), inner.get(key), high.get(key)]) if (piece) mergeStats(stats, piece)
    }
  }
  for (const [key, stats] of out) if (stats.count === 0) out.delete(key)
  return out
}

/**
 * Per series, the aggregates of the chunks wholly inside the part: from the running aggregates
 * when the part is a prefix of its segment (always, for views built by fork and rewind), else
 * summed over the chunks.
 */
async function innerRows(db: Executor, params: { seg: number; lo: number; hi: number }): Promise<InnerRow[]> {
  const prefix = await db.all<InnerRow & { count: number | null }>(PREFIX, params)
  if (prefix.every((r) => r.count !== null && r.first_step >= params.lo)) return prefix
  return db.all<InnerRow>(INNER, params)
}

/** Stats of a chunk's points within [lo, hi]: whole LOD blocks from the LOD, raw points only for cut blocks. */
async function cutChunkStats(chunks: ChunkStore, e: EdgeRow, lo: number, hi: number): Promise<SeriesStats> {
  const inRange = (p: Points) => {
    let a = 0
    let b = p.steps.length
    while (a < b && p.steps[a]! < lo) a++
    while (b > a && p.steps[b - 1]! > hi) b--
    return statsOf(p.steps, p.values, a, b)
  }
  const lod = await chunks.lod(e.id)
  if (!lod) return inRange(await chunks.points(e.id, e.first_step, e.count))
  const stats = emptyStats()
  let start = 0
  for (let b = 0; b < lod.blocks; b++) {
    const first = lod.get(b, LOD.firstStep)
    const last = lod.get(b, LOD.lastStep)
    const count = lod.get(b, LOD.count)
    if (first >= lo && last <= hi) mergeStats(stats, lodBlockStats(lod, b))
    else if (last >= lo && first <= hi) {
      mergeStats(stats, inRange(await chunks.slice(e.id, start, count, first, lod.get(b, LOD.byteOffset))))
    }
    start += count
  }
  return stats
}

function toStats(r: InnerRow): SeriesStats {
  return {
    count: r.count,
    finiteCount: r.finite_count,
    // SQLite stores a NaN sum (∞ − ∞) as NULL, which SUM() would skip.
    sum: r.nan_sums > 0 ? NaN : (r.sum ?? 0),
    min: r.min === null ? Infinity : r.min,
    max: r.max === null ? -Infinity : r.max,
    firstStep: r.first_step,
    first: realOrNaN(r.first),
    lastStep: r.last_step,
    last: realOrNaN(r.last),
  }
}
