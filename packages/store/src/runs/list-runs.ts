import {
  effectiveState,
  isPlainObject,
  matchesFilter,
  resolvePath,
  validateFilter,
  type RunFilter,
  type RunState,
} from '@stemma/core'
import type { ListRunsQuery, RunRecord } from '../ports.js'
import type { Db } from '../sql/db.js'
import { fromJson, NUMBER_TAG } from '../sql/json.js'
import { prefilter } from './list-prefilter.js'
import { loadView, RUN_SELECT, toRecord, type RunRow } from './run-rows.js'

/** Run-shaped fields that filters and sort orders can name, with the column(s) each reads. */
const FIELDS: Record<
  string,
  { columns: string[]; value(row: Record<string, unknown>, now: number): unknown }
> = {
  id: plain('run_id'),
  runId: plain('run_id'),
  name: plain('display_name'),
  displayName: plain('display_name'),
  notes: plain('notes'),
  group: plain('grp'),
  jobType: plain('job_type'),
  // What users see: `crashed`/`preempted` are derived from the heartbeat, so they filter too.
  state: {
    columns: ['state', 'heartbeat_at', 'heartbeat_timeout_s'],
    value: (r, now) =>
      effectiveState(
        r.state as RunState,
        r.heartbeat_at as number,
        (r.heartbeat_timeout_s as number) * 1000,
        now,
      ),
  },
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
  // NaN counts as missing: it has no place in an order.
  const aMissing = (typeof a !== 'number' && typeof a !== 'string') || Number.isNaN(a)
  const bMissing = (typeof b !== 'number' && typeof b !== 'string') || Number.isNaN(b)
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

/** A sort on a top-level JSON key (`summary.loss`) that the database can extract itself. */
function jsonSort(db: Db, path: string): { column: string; path: string } | undefined {
  const dot = path.indexOf('.')
  const field = path.slice(0, dot)
  if (dot < 0 || !['config', 'summary', 'metadata'].includes(field)) return undefined
  const jsonPath = db.dialect.jsonPath(path.slice(dot + 1))
  return jsonPath === undefined ? undefined : { column: `r.${field}`, path: jsonPath }
}

/**
 * Lists a project's runs. Without a filter, and ordered by a plain column or a top-level JSON key,
 * the database sorts and pages. Otherwise only the columns the filter reads (and the sort key) are
 * fetched and parsed, matching runs in process with core's filter rules; full records are built for
 * the page alone.
 */
export function listRuns(db: Db, query: ListRunsQuery): { runs: RunRecord[]; total: number } {
  const filter = query.filter === undefined ? undefined : validateFilter(query.filter)
  const now = query.now ?? Date.now()
  const project = db.get<{ id: number }>(
    'SELECT id FROM projects WHERE entity = ? AND name = ?',
    query.entity,
    query.project,
  )
  if (!project) return { runs: [], total: 0 }
  const order = query.order ?? '-createdAt'
  const desc = order.startsWith('-')
  const path = desc || order.startsWith('+') ? order.slice(1) : order
  const dir = desc ? 'DESC' : 'ASC'
  const params: Record<string, unknown> = { project: project.id, archived: query.includeArchived ? 1 : 0 }
  const scope = 'r.project_id = @project AND (r.archived_from IS NULL OR @archived = 1)'
  const page = (pks: number[]) =>
    pks.map((pk) => toRecord(db.get<RunRow>(`${RUN_SELECT} WHERE r.pk = ?`, pk)!, loadView(db, pk)))

  // The sort key as SQL, with a rank that puts missing values last and numbers before strings.
  let sortValue: string | undefined
  let sortRank = ''
  const json = jsonSort(db, path)
  if (json) {
    const key = db.dialect.jsonSortKey(json.column)
    sortValue = key.value
    sortRank = `${key.isText}, `
    Object.assign(params, {
      path: json.path,
      inf: `${NUMBER_TAG}Infinity`,
      ninf: `${NUMBER_TAG}-Infinity`,
      nan: `${NUMBER_TAG}NaN`,
    })
  } else if (SQL_ORDERABLE.has(path)) sortValue = `r.${FIELDS[path]!.columns[0]}`

  const hasFilter = filter !== undefined && Object.keys(filter).length > 0
  if (!hasFilter && sortValue !== undefined) {
    const total = db.get<{ n: number }>(`SELECT count(*) AS n FROM runs r WHERE ${scope}`, params)!.n
    const pks = db
      .all<{ pk: number }>(
        `SELECT r.pk AS pk FROM runs r WHERE ${scope}
         ORDER BY (${sortValue}) IS NULL, ${sortRank}${sortValue} ${dir}, r.pk ${dir} LIMIT @limit OFFSET @offset`,
        { ...params, limit: query.limit, offset: query.offset },
      )
      .map((r) => r.pk)
    return { runs: page(pks), total }
  }

  const wanted = filterFields(filter ?? {}, new Set(sortValue === undefined ? [path.split('.')[0]!] : []))
  const fields = [...wanted].filter((f) => f in FIELDS)
  const columns = [...new Set(fields.flatMap((f) => FIELDS[f]!.columns))]
  const narrowed = hasFilter ? prefilter(db, filter!, params).map((t) => ` AND ${t}`) : []
  const rows = db.all<Record<string, unknown> & { pk: number; sort_key?: unknown }>(
    `SELECT r.pk AS pk${columns.map((c) => `, r.${c} AS ${c}`).join('')}${sortValue ? `, ${sortValue} AS sort_key` : ''}
     FROM runs r WHERE ${scope}${narrowed.join('')}`,
    params,
  )
  let items = rows.map((row) => {
    const obj: Record<string, unknown> = {}
    for (const f of fields) obj[f] = FIELDS[f]!.value(row, now)
    return { pk: row.pk, obj, sortKey: row.sort_key }
  })
  if (hasFilter) items = items.filter((it) => matchesFilter(filter!, (p) => resolvePath(it.obj, p)))
  const keyed = items.map((it) => ({
    pk: it.pk,
    key: sortValue === undefined ? resolvePath(it.obj, path) : it.sortKey,
  }))
  keyed.sort((x, y) => compareValues(x.key, y.key, desc) || (desc ? y.pk - x.pk : x.pk - y.pk))
  return {
    runs: page(keyed.slice(query.offset, query.offset + query.limit).map((k) => k.pk)),
    total: keyed.length,
  }
}
