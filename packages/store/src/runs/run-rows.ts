import { StemmaError, type MetricDefinition, type RunState, type ViewPart } from '@stemma/core'
import type { RunRecord, RunRef } from '../ports.js'
import type { Executor } from '../sql/executor.js'
import { fromJson } from '../sql/json.js'

/** A `runs` row joined with its project, as SQL returns it. */
export interface RunRow {
  pk: number
  project_id: number
  entity: string
  project: string
  run_id: string
  display_name: string
  notes: string
  tags: string
  grp: string | null
  job_type: string | null
  state: RunState
  exit_code: number | null
  created_at: number
  heartbeat_at: number
  finished_at: number | null
  heartbeat_timeout_s: number
  config: string
  summary: string
  summary_overrides: string
  metadata: string
  metrics: string
  last_step: number | null
  rejected_count: number
  stop_requested: number
  forked_from_run_id: string | null
  forked_from_step: number | null
  forked_from_pk: number | null
  archived_from: number | null
  archive_index: number | null
  rewind_step: number | null
  rewound_at: number | null
}

export const RUN_SELECT =
  'SELECT r.*, p.entity AS entity, p.name AS project FROM runs r JOIN projects p ON p.id = r.project_id'

export async function loadView(db: Executor, pk: number): Promise<ViewPart[]> {
  const parts = await db.all<{ segment_id: number; from_step: number; to_step: number | null }>(
    'SELECT segment_id, from_step, to_step FROM run_view_parts WHERE run_pk = ? ORDER BY idx',
    pk,
  )
  return parts.map((p) => ({ segmentId: p.segment_id, fromStep: p.from_step, toStep: p.to_step }))
}

export async function saveView(db: Executor, pk: number, view: readonly ViewPart[]): Promise<void> {
  await db.run('DELETE FROM run_view_parts WHERE run_pk = ?', pk)
  for (const [idx, p] of view.entries()) {
    await db.run(
      'INSERT INTO run_view_parts (run_pk, idx, segment_id, from_step, to_step) VALUES (?, ?, ?, ?, ?)',
      pk,
      idx,
      p.segmentId,
      p.fromStep,
      p.toStep,
    )
  }
}

export function toRecord(row: RunRow, view: ViewPart[]): RunRecord {
  return {
    pk: row.pk,
    entity: row.entity,
    project: row.project,
    runId: row.run_id,
    displayName: row.display_name,
    notes: row.notes,
    tags: fromJson<string[]>(row.tags),
    group: row.grp,
    jobType: row.job_type,
    state: row.state,
    exitCode: row.exit_code,
    createdAt: row.created_at,
    heartbeatAt: row.heartbeat_at,
    finishedAt: row.finished_at,
    heartbeatTimeoutS: row.heartbeat_timeout_s,
    config: fromJson(row.config),
    summary: fromJson(row.summary),
    summaryOverrides: fromJson(row.summary_overrides),
    metadata: fromJson(row.metadata),
    metrics: fromJson<MetricDefinition[]>(row.metrics),
    lastStep: row.last_step,
    rejectedCount: row.rejected_count,
    stopRequested: row.stop_requested !== 0,
    forkedFrom:
      row.forked_from_run_id === null
        ? null
        : { runId: row.forked_from_run_id, step: row.forked_from_step ?? 0 },
    archivedFrom: row.archived_from,
    view,
  }
}

export function rowByPk(db: Executor, pk: number): Promise<RunRow | undefined> {
  return db.get<RunRow>(`${RUN_SELECT} WHERE r.pk = ?`, pk)
}

/** The full record of a run by pk. */
export async function recordByPk(db: Executor, pk: number): Promise<RunRecord | undefined> {
  const row = await rowByPk(db, pk)
  return row && toRecord(row, await loadView(db, pk))
}

/**
 * The row a ref names: the live run, or with `archive` set, that archived copy of it. With `lock`
 * (inside a write transaction) the row is held until commit, see `SqlDialect.lockRunRow`.
 */
export async function findRow(db: Executor, ref: RunRef, lock = false): Promise<RunRow | undefined> {
  const suffix = lock && ref.archive === undefined ? db.dialect.lockRunRow : ''
  const live = await db.get<RunRow>(
    `${RUN_SELECT} WHERE p.entity = ? AND p.name = ? AND r.run_id = ? AND r.archived_from IS NULL${suffix}`,
    ref.entity,
    ref.project,
    ref.runId,
  )
  if (!live || ref.archive === undefined) return live
  return db.get<RunRow>(
    `${RUN_SELECT} WHERE r.archived_from = ? AND r.archive_index = ?`,
    live.pk,
    ref.archive,
  )
}

export async function requireRow(db: Executor, ref: RunRef, lock = false): Promise<RunRow> {
  const row = await findRow(db, ref, lock)
  if (!row) {
    const which = ref.archive === undefined ? '' : ` (archive ${ref.archive})`
    throw new StemmaError(
      'RUN_NOT_FOUND',
      `Run ${ref.entity}/${ref.project}/${ref.runId}${which} does not exist.`,
    )
  }
  return row
}

/** A live run for writing, locked until the transaction ends: archived copies are read-only. */
export async function requireWritable(db: Executor, ref: RunRef): Promise<RunRow> {
  const row = await requireRow(db, ref, true)
  if (row.archived_from !== null) {
    throw new StemmaError(
      'RUN_ARCHIVED',
      `Run ${ref.entity}/${ref.project}/${ref.runId} archive ${ref.archive} is an archived pre-rewind copy and is read-only.`,
    )
  }
  return row
}
