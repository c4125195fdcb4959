import {
  generateDisplayName,
  parseEntityOrProject,
  parseRunId,
  StemmaError,
  type ForkedFrom,
  type MetricDefinition,
  type ViewPart,
} from '@stemma/core'
import type { StoreContext } from '../context.js'
import type { CreateRunInput } from '../ports.js'
import { toJson } from '../sql/json.js'
import { saveView } from './run-rows.js'

export interface NewRunExtras {
  /** Builds the run's view around its fresh segment; a plain new run gets `[(segment, 0, null)]`. */
  view?: (segmentId: number) => ViewPart[]
  metrics?: MetricDefinition[]
  forkedFrom?: ForkedFrom & { pk: number }
}

/** Entities and projects exist implicitly: the first run in one creates it. */
function ensureProject(ctx: StoreContext, entity: string, project: string): number {
  ctx.db.run(
    'INSERT INTO projects (entity, name) VALUES (?, ?) ON CONFLICT (entity, name) DO NOTHING',
    entity,
    project,
  )
  return ctx.db.get<{ id: number }>('SELECT id FROM projects WHERE entity = ? AND name = ?', entity, project)!
    .id
}

/** Inserts a live run with its own fresh segment; returns its pk. Call inside a transaction. */
export function insertRun(ctx: StoreContext, input: CreateRunInput, extras: NewRunExtras = {}): number {
  const { db } = ctx
  parseEntityOrProject('entity', input.entity)
  parseEntityOrProject('project', input.project)
  parseRunId(input.runId)
  const projectId = ensureProject(ctx, input.entity, input.project)
  const exists = db.get(
    'SELECT 1 AS x FROM runs WHERE project_id = ? AND run_id = ? AND archived_from IS NULL',
    projectId,
    input.runId,
  )
  if (exists) {
    throw new StemmaError(
      'RUN_EXISTS',
      `Run ${input.entity}/${input.project}/${input.runId} already exists; pick another id or resume it.`,
    )
  }
  db.run('UPDATE projects SET run_seq = run_seq + 1 WHERE id = ?', projectId)
  const seq = db.get<{ run_seq: number }>('SELECT run_seq FROM projects WHERE id = ?', projectId)!.run_seq
  const pk = Number(
    db.run(
      `INSERT INTO runs (project_id, run_id, display_name, notes, tags, grp, job_type, state, created_at, heartbeat_at,
         heartbeat_timeout_s, config, metadata, metrics, forked_from_run_id, forked_from_step, forked_from_pk)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      projectId,
      input.runId,
      input.displayName ?? generateDisplayName(seq, Math.random),
      input.notes ?? '',
      toJson(input.tags ?? []),
      input.group ?? null,
      input.jobType ?? null,
      input.now,
      input.now,
      input.heartbeatTimeoutS,
      toJson(input.config ?? {}),
      toJson(input.metadata ?? {}),
      toJson(extras.metrics ?? []),
      extras.forkedFrom?.runId ?? null,
      extras.forkedFrom?.step ?? null,
      extras.forkedFrom?.pk ?? null,
    ).lastInsertRowid,
  )
  const segmentId = ctx.segments.create(input.runId)
  saveView(db, pk, extras.view ? extras.view(segmentId) : [{ segmentId, fromStep: 0, toStep: null }])
  return pk
}
