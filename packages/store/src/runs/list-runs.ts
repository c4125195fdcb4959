import { matchesFilter, resolvePath, validateFilter } from '@stemma/core'
import type { ListRunsQuery, RunRecord } from '../ports.js'
import type { Db } from '../sql/db.js'
import { fromJson } from '../sql/json.js'
import { loadView, RUN_SELECT, toRecord, type RunRow } from './run-rows.js'

/**
 * The run-shaped object filters and sort keys resolve against. JSON columns are parsed only when
 * a filter or the sort order looks into them, which keeps large listings cheap.
 */
function shape(row: RunRow): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    id: row.run_id,
    runId: row.run_id,
    name: row.display_name,
    displayName: row.display_name,
    notes: row.notes,
    group: row.grp,
    jobType: row.job_type,
    state: row.state,
    exitCode: row.exit_code,
    createdAt: row.created_at,
    heartbeatAt: row.heartbeat_at,
    finishedAt: row.finished_at,
    lastStep: row.last_step,
    rejectedCount: row.rejected_count,
    archived: row.archived_from !== null,
  }
  const lazy = (name: string, text: () => string | null) => {
    let parsed: unknown
    Object.defineProperty(obj, name, {
      enumerable: true,
      get: () => {
        if (parsed === undefined) {
          const t = text()
          parsed = t === null ? null : fromJson(t)
        }
        return parsed
      },
    })
  }
  lazy('tags', () => row.tags)
  lazy('config', () => row.config)
  lazy('summary', () => row.summary)
  lazy('metadata', () => row.metadata)
  lazy('forkedFrom', () =>
    row.forked_from_run_id === null
      ? null
      : JSON.stringify({ runId: row.forked_from_run_id, step: row.forked_from_step }),
  )
  return obj
}

/** Missing values sort last in either direction; numbers sort before strings. */
function compareValues(a: unknown, b: unknown, desc: boolean): number {
  const aMissing = a === undefined || a === null || (typeof a !== 'number' && typeof a !== 'string')
  const bMissing = b === undefined || b === null || (typeof b !== 'number' && typeof b !== 'string')
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1
  const c =
    (a as number | string) < (b as number | string)
      ? -1
      : (a as number | string) > (b as number | string)
        ? 1
        : 0
  return desc ? -c : c
}

export function listRuns(db: Db, query: ListRunsQuery): { runs: RunRecord[]; total: number } {
  const filter = query.filter === undefined ? undefined : validateFilter(query.filter)
  const project = db.get<{ id: number }>(
    'SELECT id FROM projects WHERE entity = ? AND name = ?',
    query.entity,
    query.project,
  )
  if (!project) return { runs: [], total: 0 }
  const rows = db.all<RunRow>(
    `${RUN_SELECT} WHERE r.project_id = ? AND (r.archived_from IS NULL OR ? = 1)`,
    project.id,
    query.includeArchived ? 1 : 0,
  )
  let items = rows.map((row) => ({ row, obj: shape(row) }))
  if (filter) items = items.filter((it) => matchesFilter(filter, (path) => resolvePath(it.obj, path)))
  const order = query.order ?? '-createdAt'
  const desc = order.startsWith('-')
  const path = desc || order.startsWith('+') ? order.slice(1) : order
  const keyed = items.map((it) => ({ ...it, key: resolvePath(it.obj, path) }))
  keyed.sort(
    (x, y) => compareValues(x.key, y.key, desc) || (desc ? y.row.pk - x.row.pk : x.row.pk - y.row.pk),
  )
  const page = keyed.slice(query.offset, query.offset + query.limit)
  return { runs: page.map((it) => toRecord(it.row, loadView(db, it.row.pk))), total: keyed.length }
}
