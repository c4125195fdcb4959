import { isPlainObject, matchesFilter, resolvePath, validateFilter, type RunFilter } from '@stemma/core'
import type { ListRunsQuery, RunRecord } from '../ports.js'
import type { Db } from '../sql/db.js'
import { fromJson } from '../sql/json.js'
import { loadView, RUN_SELECT, toRecord, type RunRow } from './run-rows.js'

/** Run-shaped fields that filters and sort orders can name, with the column(s) each reads. */
const FIELDS: Record<string, { columns: string[]; value(row: Record<string, unknown>): unknown }> = {
  id: plain('run_id'),
  runId: plain('run_id'),
  name: plain('display_name'),
  displayName: plain('display_name'),
  notes: plain('notes'),
  group: plain('grp'),
  jobType: plain('job_type'),
  state: plain('state'),
  exitCode: plain('exit_code'),
  createdAt: plain('created_at'),
  heartbeatAt: plain('heartbeat_at'),
  finishedAt: plain('finished_at'),
  lastStep: plain('last_step'),
  rejectedCount: plain('rejected_count'),
  archived: { columns: ['archived_from'], value: (r) => r.archived_from !== null },
  tags: json('tags'),
  config: json('config'),
  summary: json('summary'),
  metadata: json('metadata'),
  forkedFrom: {
    columns: ['forked_from_run_id', 'forked_from_step'],
    value: (r) =>
      r.forked_from_run_id === null ? null : { runId: r.forked_from_run_id, step: r.forked_from_step },
  },
}

/** Orders the database can apply itself: a plain column, no filter. */
const SQL_ORDERABLE = new Set(
  Object.keys(FIELDS).filter((f) => FIELDS[f]!.columns.length === 1 && !isJson(f)),
)

function plain(column: string) {
  return { columns: [column], value: (r: Record<string, unknown>) => r[column] }
}
function json(column: string) {
  return { columns: [column], value: (r: Record<string, unknown>) => fromJson(r[column] as string) }
}
function isJson(field: string): boolean {
  return ['tags', 'config', 'summary', 'metadata', 'archived'].includes(field)
}

/** Top-level fields a filter reads. */
function filterFields(filter: RunFilter, out: Set<string>): Set<string> {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') (cond as RunFilter[]).forEach((f) => filterFields(f, out))
    else if (key === '$not' && isPlainObject(cond)) filterFields(cond, out)
    else if (!key.startsWith('$')) out.add(key.split('.')[0]!)
  }
  return out
}

/** Missing values sort last in either direction; numbers sort before strings. */
function compareValues(a: unknown, b: unknown, desc: boolean): number {
  const aMissing = typeof a !== 'number' && typeof a !== 'string'
  const bMissing = typeof b !== 'number' && typeof b !== 'string'
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

/**
 * Lists a project's runs. Without a filter and with a plain-column order the database sorts and
 * pages. Otherwise only the columns the filter and order read are fetched and parsed, the rest is
 * matched in process with core's filter rules, and full records are built for the page alone.
 */
export function listRuns(db: Db, query: ListRunsQuery): { runs: RunRecord[]; total: number } {
  const filter = query.filter === undefined ? undefined : validateFilter(query.filter)
  const project = db.get<{ id: number }>(
    'SELECT id FROM projects WHERE entity = ? AND name = ?',
    query.entity,
    query.project,
  )
  if (!project) return { runs: [], total: 0 }
  const order = query.order ?? '-createdAt'
  const desc = order.startsWith('-')
  const path = desc || order.startsWith('+') ? order.slice(1) : order
  const scope = 'r.project_id = ? AND (r.archived_from IS NULL OR ? = 1)'
  const args = [project.id, query.includeArchived ? 1 : 0]
  const page = (pks: number[]) =>
    pks.map((pk) => toRecord(db.get<RunRow>(`${RUN_SELECT} WHERE r.pk = ?`, pk)!, loadView(db, pk)))

  const hasFilter = filter !== undefined && Object.keys(filter).length > 0
  if (!hasFilter && SQL_ORDERABLE.has(path)) {
    const column = `r.${FIELDS[path]!.columns[0]}`
    const dir = desc ? 'DESC' : 'ASC'
    const total = db.get<{ n: number }>(`SELECT count(*) AS n FROM runs r WHERE ${scope}`, ...args)!.n
    const pks = db
      .all<{ pk: number }>(
        `SELECT r.pk AS pk FROM runs r WHERE ${scope} ORDER BY (${column} IS NULL), ${column} ${dir}, r.pk ${dir} LIMIT ? OFFSET ?`,
        ...args,
        query.limit,
        query.offset,
      )
      .map((r) => r.pk)
    return { runs: page(pks), total }
  }

  const fields = [...filterFields(filter ?? {}, new Set([path.split('.')[0]!]))].filter((f) => f in FIELDS)
  const columns = [...new Set(fields.flatMap((f) => FIELDS[f]!.columns))]
  const rows = db.all<Record<string, unknown> & { pk: number }>(
    `SELECT r.pk AS pk${columns.map((c) => `, r.${c} AS ${c}`).join('')} FROM runs r WHERE ${scope}`,
    ...args,
  )
  let items = rows.map((row) => {
    const obj: Record<string, unknown> = {}
    for (const f of fields) obj[f] = FIELDS[f]!.value(row)
    return { pk: row.pk, obj }
  })
  if (hasFilter) items = items.filter((it) => matchesFilter(filter!, (p) => resolvePath(it.obj, p)))
  const keyed = items.map((it) => ({ pk: it.pk, key: resolvePath(it.obj, path) }))
  keyed.sort((x, y) => compareValues(x.key, y.key, desc) || (desc ? y.pk - x.pk : x.pk - y.pk))
  return {
    runs: page(keyed.slice(query.offset, query.offset + query.limit).map((k) => k.pk)),
    total: keyed.length,
  }
}
