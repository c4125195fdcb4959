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
import type { Executor } from '../sql/executor.js'
import { fromJson, NUMBER_TAG } from '../sql/json.js'
import { prefilter } from './list-prefilter.js'
import { recordByPk } from './run-rows.js'

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
/** Of those, the text columns (the rest are numbers). */
const TEXT_COLUMNS = new Set(['run_id', 'display_name', 'notes', 'grp', 'job_type'])

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
function jsonSort(db: Executor, path: string): { column: string; path: string } | undefined {
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
export async function listRuns(
  db: Executor,
  query: ListRunsQuery,
): Promise<{ runs: RunRecord[]; total: number }> {
  const filter = query.filter === undefined ? undefined : validateFilter(query.filter)
  const now = query.now ?? Date.now()
  const project = await db.get<{ id: number }>(
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
  const page = async (pks: number[]) => {
    const runs: RunRecord[] = []
    for (const pk of pks) runs.push((await recordByPk(db, pk))!)
    return runs
  }

  // The sort key as SQL: a number or a string (one of them NULL). Missing values go last and
  // numbers before strings.
  let sortKey: { num: string; text: string } | undefined
  const json = jsonSort(db, path)
  if (json) {
    sortKey = db.dialect.jsonSortKey(json.column)
    Object.assign(params, {
      path: json.path,
      inf: `${NUMBER_TAG}Infinity`,
      ninf: `${NUMBER_TAG}-Infinity`,
      nan: `${NUMBER_TAG}NaN`,
    })
  } else if (SQL_ORDERABLE.has(path)) {
    const column = `r.${FIELDS[path]!.columns[0]}`
    sortKey = TEXT_COLUMNS.has(column.slice(2))
      ? { num: 'NULL', text: column }
      : { num: column, text: 'NULL' }
  }

  const hasFilter = filter !== undefined && Object.keys(filter).length > 0
  if (!hasFilter && sortKey !== undefined) {
    const { num, text } = sortKey
    // A plain column is one of the two kinds, and a constant cannot be an ORDER BY term.
    const terms =
      num === 'NULL'
        ? [`(${text}) IS NULL`, `${text} ${dir}`]
        : text === 'NULL'
          ? [`(${num}) IS NULL`, `${num} ${dir}`]
          : [
              `(${num}) IS NULL AND (${text}) IS NULL`,
              `(${text}) IS NOT NULL`,
              `${num} ${dir}`,
              `${text} ${dir}`,
            ]
    const total = (await db.get<{ n: number }>(`SELECT count(*) AS n FROM runs r WHERE ${scope}`, params))!.n
    const rows = await db.all<{ pk: number }>(
      `SELECT r.pk AS pk FROM runs r WHERE ${scope} ORDER BY ${terms.join(', ')}, r.pk ${dir}
       LIMIT @limit OFFSET @offset`,
      { ...params, limit: query.limit, offset: query.offset },
    )
    return { runs: await page(rows.map((r) => r.pk)), total }
  }

  const wanted = filterFields(filter ?? {}, new Set(sortKey === undefined ? [path.split('.')[0]!] : []))
  const fields = [...wanted].filter((f) => f in FIELDS)
  const columns = [...new Set(fields.flatMap((f) => FIELDS[f]!.columns))]
  const narrowed = hasFilter ? prefilter(db, filter!, params).map((t) => ` AND ${t}`) : []
  const sortColumns = sortKey ? `, ${sortKey.num} AS sort_num, ${sortKey.text} AS sort_text` : ''
  const rows = await db.all<
    Record<string, unknown> & { pk: number; sort_num?: number | null; sort_text?: string | null }
  >(
    `SELECT r.pk AS pk${columns.map((c) => `, r.${c} AS ${c}`).join('')}${sortColumns}
     FROM runs r WHERE ${scope}${narrowed.join('')}`,
    params,
  )
  let items = rows.map((row) => {
    const obj: Record<string, unknown> = {}
    for (const f of fields) obj[f] = FIELDS[f]!.value(row, now)
    return { pk: row.pk, obj, sortKey: row.sort_num ?? row.sort_text }
  })
  if (hasFilter) items = items.filter((it) => matchesFilter(filter!, (p) => resolvePath(it.obj, p)))
  const keyed = items.map((it) => ({
    pk: it.pk,
    key: sortKey === undefined ? resolvePath(it.obj, path) : it.sortKey,
  }))
  keyed.sort((x, y) => compareValues(x.key, y.key, desc) || (desc ? y.pk - x.pk : x.pk - y.pk))
  return {
    runs: await page(keyed.slice(query.offset, query.offset + query.limit).map((k) => k.pk)),
    total: keyed.length,
  }
}
