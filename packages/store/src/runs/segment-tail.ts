import type { View } from '@stemma/core'
import type { Executor } from '../sql/executor.js'

/**
 * The last `limit` rows of a per-segment log (console lines, system samples) within a view, oldest
 * first. Rows are stamped with the step the run had reached when they arrived; a closed view part
 * keeps those stamped at or before its cut, the open tail part keeps all of its segment's rows.
 */
export async function segmentTail<T>(
  db: Executor,
  view: View,
  table: 'console_lines' | 'system_samples' | 'run_alerts',
  columns: string,
  limit: number,
): Promise<T[]> {
  const chunks: T[][] = []
  let left = limit
  for (let i = view.length - 1; i >= 0 && left > 0; i--) {
    const part = view[i]!
    const rows = await db.all<T>(
      `SELECT ${columns} FROM ${table} WHERE segment_id = ? AND step <= ? ORDER BY id DESC LIMIT ?`,
      part.segmentId,
      part.toStep ?? Number.MAX_SAFE_INTEGER,
      left,
    )
    chunks.push(rows.reverse())
    left -= rows.length
  }
  return chunks.reverse().flat()
}
