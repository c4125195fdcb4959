import type { LoggedValue, View } from '@stemma/core'
import type { HistoryQuery, HistoryRows } from '../ports.js'
import type { Executor } from '../sql/executor.js'
import { fromJson } from '../sql/json.js'
import type { ChunkStore } from './chunks.js'
import type { Segments } from './segments.js'
import { partRanges, type PartRange } from './view-ranges.js'

/** Every committed row carries `_timestamp`, so that series is the row index of a view. */
export const ROW_KEY = '_timestamp'
export const RUNTIME_KEY = '_runtime'

/**
 * Full rows of a view in step order. `scalarKeys` are the columns to fill; `valueKeys` filters
 * the non-scalar values (all when undefined).
 */
export async function readView(
  db: Executor,
  chunks: ChunkStore,
  segments: Segments,
  view: View,
  query: HistoryQuery,
  scalarKeys: readonly string[],
  valueKeys: ReadonlySet<string> | undefined,
): Promise<HistoryRows> {
  const out: HistoryRows = {
    steps: [],
    runtime: [],
    timestamp: [],
    columns: {},
    values: [],
    sourceRunIds: [],
  }
  const limit = query.limit ?? Infinity
  const ranges: PartRange[] = []
  for (const r of partRanges(view, query.minStep ?? 0, query.maxStep ?? Infinity)) {
    if (out.steps.length >= limit) break
    const sid = await chunks.seriesId(r.segmentId, ROW_KEY)
    const pts = sid === undefined ? undefined : await chunks.range(sid, r.lo, r.hi)
    const take = pts ? Math.min(pts.steps.length, limit - out.steps.length) : 0
    const runId = await segments.runIdOf(r.segmentId)
    for (let i = 0; i < take; i++) {
      out.steps.push(pts!.steps[i]!)
      out.timestamp.push(pts!.values[i]!)
      out.sourceRunIds.push(runId)
    }
    // A limit cuts the range at the last row it returns, for the columns and values below.
    ranges.push(take > 0 && take < pts!.steps.length ? { ...r, hi: pts!.steps[take - 1]! } : r)
  }
  if (out.steps.length >= limit && out.steps.length > 0) {
    const last = out.steps[out.steps.length - 1]!
    while (ranges.length > 0 && ranges[ranges.length - 1]!.lo > last) ranges.pop()
  }
  out.runtime = (await fillColumn(chunks, ranges, RUNTIME_KEY, out.steps)).map((v) => v ?? NaN)
  for (const key of scalarKeys) out.columns[key] = await fillColumn(chunks, ranges, key, out.steps)
  out.values = await readValues(db, ranges, valueKeys)
  return out
}

/** One key's values aligned to the row steps, null where a row lacks the key. */
async function fillColumn(
  chunks: ChunkStore,
  ranges: readonly PartRange[],
  key: string,
  steps: number[],
): Promise<(number | null)[]> {
  const column: (number | null)[] = new Array<number | null>(steps.length).fill(null)
  let j = 0
  for (const r of ranges) {
    const sid = await chunks.seriesId(r.segmentId, key)
    if (sid === undefined) continue
    const pts = await chunks.range(sid, r.lo, r.hi)
    for (let i = 0; i < pts.steps.length; i++) {
      const step = pts.steps[i]!
      while (j < steps.length && steps[j]! < step) j++
      if (j >= steps.length) return column
      if (steps[j] === step) column[j] = pts.values[i]!
    }
  }
  return column
}

async function readValues(
  db: Executor,
  ranges: readonly PartRange[],
  keys: ReadonlySet<string> | undefined,
): Promise<LoggedValue[]> {
  const out: LoggedValue[] = []
  for (const r of ranges) {
    const rows = await db.all<{ key: string; step: number; json: string }>(
      'SELECT key, step, json FROM history_values WHERE segment_id = ? AND step >= ? AND step <= ? ORDER BY step, key',
      r.segmentId,
      r.lo,
      r.hi,
    )
    for (const row of rows) {
      if (keys && !keys.has(row.key)) continue
      out.push({ step: row.step, key: row.key, value: fromJson(row.json) })
    }
  }
  return out
}
