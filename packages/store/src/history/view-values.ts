import type { View } from '@stemma/core'
import type { Executor } from '../sql/executor.js'
import { fromJson } from '../sql/json.js'
import { partRanges } from './view-ranges.js'

/** The last non-scalar value per key within a view; later parts win. */
export async function viewLastValues(
  db: Executor,
  view: View,
): Promise<Map<string, { step: number; value: unknown }>> {
  const out = new Map<string, { step: number; value: unknown }>()
  for (const { segmentId, lo, hi } of partRanges(view)) {
    const rows = await db.all<{ key: string; step: number; json: string }>(
      `SELECT v.key, v.step, v.json FROM history_values v
       WHERE v.segment_id = ? AND v.step = (
         SELECT max(w.step) FROM history_values w WHERE w.segment_id = v.segment_id AND w.key = v.key AND w.step >= ? AND w.step <= ?)`,
      segmentId,
      lo,
      hi,
    )
    for (const r of rows) out.set(r.key, { step: r.step, value: fromJson(r.json) })
  }
  return out
}

/** How many non-scalar values each key has within a view. */
export async function viewValueCounts(db: Executor, view: View): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const { segmentId, lo, hi } of partRanges(view)) {
    const rows = await db.all<{ key: string; n: number }>(
      'SELECT key, count(*) AS n FROM history_values WHERE segment_id = ? AND step >= ? AND step <= ? GROUP BY key',
      segmentId,
      lo,
      hi,
    )
    for (const r of rows) out.set(r.key, (out.get(r.key) ?? 0) + r.n)
  }
  return out
}

/** The highest step with a non-scalar value in a view, or null. */
export async function viewLastValueStep(db: Executor, view: View): Promise<number | null> {
  let last: number | null = null
  for (const { segmentId, lo, hi } of partRanges(view)) {
    const row = await db.get<{ s: number | null }>(
      'SELECT max(step) AS s FROM history_values WHERE segment_id = ? AND step >= ? AND step <= ?',
      segmentId,
      lo,
      hi,
    )
    if (row?.s !== null && row?.s !== undefined) last = row.s
  }
  return last
}
