import { branchView, clipView, StemmaError, type MetricDefinition, type View } from '@stemma/core'
import type { StoreContext } from '../context.js'
import { viewStats } from '../history/view-stats.js'
import { viewLastValues, viewLastValueStep } from '../history/view-values.js'
import type { CreateRunInput, Lineage, RunRef } from '../ports.js'
import { fromJson } from '../sql/json.js'
import { insertRun } from './insert-run.js'
import { loadView, requireRow, requireWritable, saveView, type RunRow } from './run-rows.js'

function checkStep(row: RunRow, step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new StemmaError(
      'INVALID_STEP',
      `The fork or rewind step must be a non-negative integer; got ${step}.`,
    )
  }
  if (row.last_step === null || step > row.last_step) {
    const last = row.last_step === null ? 'has no history yet' : `ends at step ${row.last_step}`
    throw new StemmaError('INVALID_STEP', `Run ${row.run_id} ${last}; cannot branch at step ${step}.`, {
      lastStep: row.last_step,
    })
  }
}

/**
 * Recomputes a run's aggregates, summary and last step from the part of `view` that it keeps.
 * O(chunks): whole chunks contribute their columns, only chunks cut at `step` are decoded.
 */
async function rebuildFrom(
  ctx: StoreContext,
  pk: number,
  kept: View,
  metrics: MetricDefinition[],
  overrides: Record<string, unknown>,
): Promise<number | null> {
  const stats = await viewStats(ctx.db, ctx.chunks, kept)
  await ctx.stats.replaceAll(pk, stats, await viewLastValues(ctx.db, kept))
  let lastStep = await viewLastValueStep(ctx.db, kept)
  for (const s of stats.values()) lastStep = Math.max(lastStep ?? -1, s.lastStep)
  await ctx.db.run('UPDATE runs SET last_step = ? WHERE pk = ?', lastStep, pk)
  await ctx.stats.refreshSummary(pk, metrics, overrides, stats)
  return lastStep
}

/** A fork as one step of a larger transaction: pass a context bound to it (see `StoreContext.tx`). */
export async function forkRun(
  ctx: StoreContext,
  source: RunRef,
  step: number,
  input: CreateRunInput,
): Promise<number> {
  const src = await requireRow(ctx.db, source)
  if (src.entity === input.entity && src.project === input.project && src.run_id === input.runId) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `A fork needs its own run id; ${input.runId} is the source run.`,
    )
  }
  checkStep(src, step)
  const srcView = await loadView(ctx.db, src.pk)
  const metrics = fromJson<MetricDefinition[]>(src.metrics)
  const pk = await insertRun(ctx, input, {
    view: (segmentId) => branchView(srcView, step, segmentId),
    metrics,
    forkedFrom: { runId: src.run_id, step, pk: src.pk },
  })
  await rebuildFrom(ctx, pk, clipView(srcView, step), metrics, {})
  return pk
}

/** A rewind as one step of a larger transaction: pass a context bound to it. */
export async function rewindRun(ctx: StoreContext, ref: RunRef, step: number, now: number): Promise<number> {
  const { db } = ctx
  const live = await requireWritable(db, ref)
  checkStep(live, step)
  const oldView = await loadView(db, live.pk)
  const index = (await db.get<{ n: number }>(
    'SELECT count(*) AS n FROM runs WHERE archived_from = ?',
    live.pk,
  ))!.n
  const copied =
    'project_id, run_id, display_name, notes, tags, grp, job_type, state, exit_code, created_at, heartbeat_at, finished_at, ' +
    'heartbeat_timeout_s, config, summary, summary_overrides, metadata, metrics, last_step, rejected_count, stop_requested, ' +
    'forked_from_run_id, forked_from_step, forked_from_pk'
  const archivePk = (await db.get<{ pk: number }>(
    `INSERT INTO runs (${copied}, archived_from, archive_index, rewind_step, rewound_at)
     SELECT ${copied}, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION)
     FROM runs WHERE pk = ? RETURNING pk`,
    live.pk,
    index,
    step,
    now,
    live.pk,
  ))!.pk
  // The archive keeps the old view as it was; segments are shared, only view parts are copied.
  await saveView(db, archivePk, oldView)
  await ctx.stats.copy(live.pk, archivePk)
  const segmentId = await ctx.segments.create(live.run_id)
  await saveView(db, live.pk, branchView(oldView, step, segmentId))
  await db.run(
    `UPDATE runs SET state = 'running', exit_code = NULL, finished_at = NULL, heartbeat_at = ?, stop_requested = 0 WHERE pk = ?`,
    now,
    live.pk,
  )
  await rebuildFrom(
    ctx,
    live.pk,
    clipView(oldView, step),
    fromJson(live.metrics),
    fromJson(live.summary_overrides),
  )
  return live.pk
}

export async function runLineage(ctx: StoreContext, ref: RunRef): Promise<Lineage> {
  const { db } = ctx
  const row = await requireRow(db, ref)
  const livePk = row.archived_from ?? row.pk
  const children = (
    await db.all<{ run_id: string; forked_from_step: number; created_at: number }>(
      `SELECT run_id, forked_from_step, created_at FROM runs
       WHERE archived_from IS NULL AND forked_from_pk IN (SELECT pk FROM runs WHERE pk = ? OR archived_from = ?)
       ORDER BY created_at, pk`,
      livePk,
      livePk,
    )
  ).map((c) => ({ runId: c.run_id, step: c.forked_from_step, createdAt: c.created_at }))
  const rewinds = (
    await db.all<{
      archive_index: number
      rewind_step: number
      rewound_at: number
      last_step: number | null
    }>(
      'SELECT archive_index, rewind_step, rewound_at, last_step FROM runs WHERE archived_from = ? ORDER BY archive_index',
      livePk,
    )
  ).map((r) => ({
    archiveIndex: r.archive_index,
    step: r.rewind_step,
    at: r.rewound_at,
    lastStep: r.last_step,
  }))
  const parent =
    row.forked_from_run_id === null
      ? null
      : { runId: row.forked_from_run_id, step: row.forked_from_step ?? 0 }
  const segments = []
  for (const part of await loadView(db, row.pk)) {
    segments.push({
      runId: await ctx.segments.runIdOf(part.segmentId),
      fromStep: part.fromStep,
      toStep: part.toStep,
    })
  }
  return { parent, children, rewinds, segments }
}
