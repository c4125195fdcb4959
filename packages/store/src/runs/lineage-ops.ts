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
function rebuildFrom(
  ctx: StoreContext,
  pk: number,
  kept: View,
  metrics: MetricDefinition[],
  overrides: Record<string, unknown>,
): number | null {
  const stats = viewStats(ctx.db, ctx.chunks, kept)
  ctx.stats.replaceAll(pk, stats, viewLastValues(ctx.db, kept))
  let lastStep = viewLastValueStep(ctx.db, kept)
  for (const s of stats.values()) lastStep = Math.max(lastStep ?? -1, s.lastStep)
  ctx.db.run('UPDATE runs SET last_step = ? WHERE pk = ?', lastStep, pk)
  ctx.stats.refreshSummary(pk, metrics, overrides, stats)
  return lastStep
}

export function forkRun(ctx: StoreContext, source: RunRef, step: number, input: CreateRunInput): number {
  return ctx.db.tx(() => {
    const src = requireRow(ctx.db, source)
    if (src.entity === input.entity && src.project === input.project && src.run_id === input.runId) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `A fork needs its own run id; ${input.runId} is the source run.`,
      )
    }
    checkStep(src, step)
    const srcView = loadView(ctx.db, src.pk)
    const metrics = fromJson<MetricDefinition[]>(src.metrics)
    const pk = insertRun(ctx, input, {
      view: (segmentId) => branchView(srcView, step, segmentId),
      metrics,
      forkedFrom: { runId: src.run_id, step, pk: src.pk },
    })
    rebuildFrom(ctx, pk, clipView(srcView, step), metrics, {})
    return pk
  })
}

export function rewindRun(ctx: StoreContext, ref: RunRef, step: number, now: number): number {
  const { db } = ctx
  return db.tx(() => {
    const live = requireWritable(db, ref)
    checkStep(live, step)
    const oldView = loadView(db, live.pk)
    const index = db.get<{ n: number }>('SELECT count(*) AS n FROM runs WHERE archived_from = ?', live.pk)!.n
    const copied =
      'project_id, run_id, display_name, notes, tags, grp, job_type, state, exit_code, created_at, heartbeat_at, finished_at, ' +
      'heartbeat_timeout_s, config, summary, summary_overrides, metadata, metrics, last_step, rejected_count, stop_requested, ' +
      'forked_from_run_id, forked_from_step, forked_from_pk'
    const archivePk = Number(
      db.run(
        `INSERT INTO runs (${copied}, archived_from, archive_index, rewind_step, rewound_at)
         SELECT ${copied}, ?, ?, ?, ? FROM runs WHERE pk = ?`,
        live.pk,
        index,
        step,
        now,
        live.pk,
      ).lastInsertRowid,
    )
    // The archive keeps the old view as it was; segments are shared, only view parts are copied.
    saveView(db, archivePk, oldView)
    ctx.stats.copy(live.pk, archivePk)
    const segmentId = ctx.segments.create(live.run_id)
    saveView(db, live.pk, branchView(oldView, step, segmentId))
    db.run(
      `UPDATE runs SET state = 'running', exit_code = NULL, finished_at = NULL, heartbeat_at = ?, stop_requested = 0 WHERE pk = ?`,
      now,
      live.pk,
    )
    rebuildFrom(
      ctx,
      live.pk,
      clipView(oldView, step),
      fromJson(live.metrics),
      fromJson(live.summary_overrides),
    )
    return live.pk
  })
}

export function runLineage(ctx: StoreContext, ref: RunRef): Lineage {
  const { db } = ctx
  const row = requireRow(db, ref)
  const livePk = row.archived_from ?? row.pk
  const children = db
    .all<{ run_id: string; forked_from_step: number; created_at: number }>(
      `SELECT run_id, forked_from_step, created_at FROM runs
       WHERE archived_from IS NULL AND forked_from_pk IN (SELECT pk FROM runs WHERE pk = ? OR archived_from = ?)
       ORDER BY created_at, pk`,
      livePk,
      livePk,
    )
    .map((c) => ({ runId: c.run_id, step: c.forked_from_step, createdAt: c.created_at }))
  const rewinds = db
    .all<{ archive_index: number; rewind_step: number; rewound_at: number; last_step: number | null }>(
      'SELECT archive_index, rewind_step, rewound_at, last_step FROM runs WHERE archived_from = ? ORDER BY archive_index',
      livePk,
    )
    .map((r) => ({
      archiveIndex: r.archive_index,
      step: r.rewind_step,
      at: r.rewound_at,
      lastStep: r.last_step,
    }))
  const parent =
    row.forked_from_run_id === null
      ? null
      : { runId: row.forked_from_run_id, step: row.forked_from_step ?? 0 }
  const segments = loadView(db, row.pk).map((part) => ({
    runId: ctx.segments.runIdOf(part.segmentId),
    fromStep: part.fromStep,
    toStep: part.toStep,
  }))
  return { parent, children, rewinds, segments }
}
