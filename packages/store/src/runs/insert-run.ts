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
async function ensureProject(ctx: StoreContext, entity: string, project: string): Promise<number> {
  await ctx.db.run(
    'INSERT INTO projects (entity, name) VALUES (?, ?) ON CONFLICT (entity, name) DO NOTHING',
    entity,
    project,
  )
  const row = await ctx.db.get<{ id: number }>(
    'SELECT id FROM projects WHERE entity = ? AND name = ?',
    entity,
    project,
  )
  return row!.id
}

function runExists(input: CreateRunInput): StemmaError {
  return new StemmaError(
    'RUN_EXISTS',
    `Run ${input.entity}/${input.project}/${input.runId} already exists; pick another id or resume it.`,
  )
}

/** Inserts a live run with its own fresh segment; returns its pk. Call inside a transaction. */
export async function insertRun(
  ctx: StoreContext,
  input: CreateRunInput,
  extras: NewRunExtras = {},
): Promise<number> {
  const { db } = ctx
  parseEntityOrProject('entity', input.entity)
  parseEntityOrProject('project', input.project)
  parseRunId(input.runId)
  const projectId = await ensureProject(ctx, input.entity, input.project)
  const exists = await db.get(
    'SELECT 1 AS x FROM runs WHERE project_id = ? AND run_id = ? AND archived_from IS NULL',
    projectId,
    input.runId,
  )
  if (exists) throw runExists(input)
  const { run_seq: seq } = (await db.get<{ run_seq: number }>(
    'UPDATE projects SET run_seq = run_seq + 1 WHERE id = ? RETURNING run_seq',
    projectId,
  ))!
  let pk: number
  try {
    pk = (await db.get<{ pk: number }>(
      `INSERT INTO runs (project_id, run_id, display_name, notes, tags, grp, job_type, state, created_at, heartbeat_at,
         heartbeat_timeout_s, config, metadata, metrics, forked_from_run_id, forked_from_step, forked_from_pk)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk`,
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
    ))!.pk
  } catch (err) {
    // Another server process created the same run between the check above and this insert.
    if (db.dialect.isUniqueViolation(err)) throw runExists(input)
    throw err
  }
  const segmentId = await ctx.segments.create(input.runId)
  await saveView(db, pk, extras.view ? extras.view(segmentId) : [{ segmentId, fromStep: 0, toStep: null }])
  return pk
}
