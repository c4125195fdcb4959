import {
  StemmaError,
  statsOf,
  upsertMetricDefinition,
  type IngestBatch,
  type MetricDefinition,
  type RunState,
} from '@stemma/core'
import type { StoreContext } from '../context.js'
import type { BatchContent, IngestOutcome, RunRecord, RunRef } from '../ports.js'
import { fromJson, toJson } from '../sql/json.js'
import { loadView, recordByPk, requireWritable, toRecord, type RunRow } from '../runs/run-rows.js'
import { decodeHistory } from './batch-decode.js'

/** Applies one batch in one transaction; see `HistoryRepository.ingest`. */
export async function ingestBatch(
  ctx: StoreContext,
  ref: RunRef,
  batch: IngestBatch,
  now: number,
): Promise<IngestOutcome> {
  return ctx.tx(async (tx) => {
    const { db } = tx
    // The row lock orders concurrent batches for this run, from any server process: the second
    // of two copies of one batch then sees the first's cursor and commits nothing.
    const row = await requireWritable(db, ref)
    if (
      typeof batch.writerId !== 'string' ||
      batch.writerId === '' ||
      !Number.isSafeInteger(batch.seq) ||
      batch.seq < 1
    ) {
      throw new StemmaError('VALIDATION_FAILED', 'A batch needs a non-empty writerId and an integer seq ≥ 1.')
    }
    const committed =
      (
        await db.get<{ seq: number }>(
          'SELECT seq FROM ingest_cursors WHERE run_pk = ? AND writer_id = ?',
          row.pk,
          batch.writerId,
        )
      )?.seq ?? 0
    if (batch.seq <= committed)
      return { committedSeq: committed, duplicate: true, run: toRecord(row, await loadView(db, row.pk)) }
    if (batch.seq > committed + 1) {
      throw new StemmaError(
        'SEQUENCE_GAP',
        `Batch ${batch.seq} of writer ${batch.writerId} arrived before batch ${committed + 1}; re-send from ${committed + 1}.`,
        { expectedSeq: committed + 1 },
      )
    }
    await applyContent(tx, row, batch, now)
    await db.run(
      `INSERT INTO ingest_cursors (run_pk, writer_id, seq) VALUES (?, ?, ?)
       ON CONFLICT (run_pk, writer_id) DO UPDATE SET seq = excluded.seq`,
      row.pk,
      batch.writerId,
      batch.seq,
    )
    return {
      committedSeq: batch.seq,
      duplicate: false,
      run: (await recordByPk(db, row.pk))!,
    }
  })
}

/** Applies batch content without a writer cursor; see `HistoryRepository.apply`. */
export async function applyUnsequenced(
  ctx: StoreContext,
  ref: RunRef,
  content: BatchContent,
  now: number,
): Promise<RunRecord> {
  return ctx.tx(async (tx) => {
    const row = await requireWritable(tx.db, ref)
    await applyContent(tx, row, content, now)
    return (await recordByPk(tx.db, row.pk))!
  })
}

async function applyContent(ctx: StoreContext, row: RunRow, batch: BatchContent, now: number): Promise<void> {
  const { db, chunks, stats } = ctx
  const view = await loadView(db, row.pk)
  const tail = view[view.length - 1]!
  // New points land in the open tail segment, after everything already in the view.
  const minStep = Math.max(row.last_step === null ? 0 : row.last_step + 1, tail.fromStep)
  const series = batch.history ? decodeHistory(batch.history, minStep) : []
  const values = batch.values ?? []
  for (const v of values) {
    if (!Number.isSafeInteger(v.step) || v.step < minStep || typeof v.key !== 'string' || v.key === '') {
      throw new StemmaError(
        'INVALID_STEP',
        `value ${JSON.stringify(v.key)} at step ${v.step} is not after the run's last step.`,
        {
          minStep,
        },
      )
    }
  }

  let lastStep = row.last_step
  let summaryDirty = false
  let current: Awaited<ReturnType<typeof stats.load>> | undefined
  if (series.length > 0) {
    current = await stats.load(row.pk)
    for (const s of series) {
      await chunks.append(await chunks.ensureSeries(tail.segmentId, s.key), s.steps, s.values)
      await stats.mergeInto(row.pk, current, s.key, statsOf(s.steps, s.values))
    }
    const steps = series[0]!.steps
    if (steps.length > 0) lastStep = Math.max(lastStep ?? -1, steps[steps.length - 1]!)
    summaryDirty = true
  }
  for (const v of values) {
    await db.run(
      `INSERT INTO history_values (segment_id, key, step, json) VALUES (?, ?, ?, ?)
       ON CONFLICT (segment_id, key, step) DO UPDATE SET json = excluded.json`,
      tail.segmentId,
      v.key,
      v.step,
      toJson(v.value),
    )
    await stats.setLastValue(row.pk, v.key, v.step, v.value)
    lastStep = Math.max(lastStep ?? -1, v.step)
    summaryDirty = true
  }

  const config = batch.config
    ? { ...fromJson<Record<string, unknown>>(row.config), ...batch.config }
    : undefined
  const metadata = batch.metadata
    ? { ...fromJson<Record<string, unknown>>(row.metadata), ...batch.metadata }
    : undefined
  let overrides = fromJson<Record<string, unknown>>(row.summary_overrides)
  if (batch.summary) {
    overrides = { ...overrides }
    for (const [k, v] of Object.entries(batch.summary)) {
      if (v === null) delete overrides[k]
      else overrides[k] = v
    }
    summaryDirty = true
  }
  let metrics = fromJson<MetricDefinition[]>(row.metrics)
  if (batch.metrics && batch.metrics.length > 0) {
    for (const def of batch.metrics) metrics = upsertMetricDefinition(metrics, def)
    summaryDirty = true
  }

  // Console lines and system samples carry the step the run had reached, so a rewind can cut them.
  const stamp = lastStep ?? -1
  for (const line of batch.console ?? []) {
    // A numbered line is set in place: a re-sent or rewritten line replaces the one it numbers.
    await db.run(
      `INSERT INTO console_lines (segment_id, step, t, stream, line, line_step, line_no) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (segment_id, line_no) WHERE line_no IS NOT NULL
       DO UPDATE SET t = excluded.t, stream = excluded.stream, line = excluded.line`,
      tail.segmentId,
      line.step ?? stamp,
      line.t,
      line.stream,
      line.line,
      line.step ?? null,
      line.lineNo ?? null,
    )
  }
  for (const sample of batch.system ?? []) {
    await db.run(
      'INSERT INTO system_samples (segment_id, step, t, json) VALUES (?, ?, ?, ?)',
      tail.segmentId,
      stamp,
      sample.t,
      toJson(sample.values),
    )
  }
  for (const alert of batch.alerts ?? []) {
    await db.run(
      'INSERT INTO run_alerts (segment_id, step, t, level, title, body) VALUES (?, ?, ?, ?, ?, ?)',
      tail.segmentId,
      stamp,
      alert.t,
      alert.level,
      alert.title,
      alert.text,
    )
  }
  const rejected = batch.rejected ?? []
  for (const r of rejected) {
    await db.run(
      'INSERT INTO rejected_rows (run_pk, attempted_step, current_step, keys, timestamp) VALUES (?, ?, ?, ?, ?)',
      row.pk,
      r.attemptedStep,
      r.currentStep,
      toJson(r.keys),
      r.timestamp,
    )
  }

  let state: RunState = row.state
  let exitCode = row.exit_code
  let finishedAt = row.finished_at
  if (batch.exit) {
    state = batch.exit.state
    exitCode = batch.exit.exitCode
    finishedAt = now
  } else if (batch.preempting) state = 'preempting'
  else if (state === 'crashed' || state === 'preempted') state = 'running'

  await db.run(
    `UPDATE runs SET last_step = ?, config = coalesce(?, config), metadata = coalesce(?, metadata), summary_overrides = ?,
       metrics = ?, rejected_count = rejected_count + ?, state = ?, exit_code = ?, finished_at = ?, heartbeat_at = ?
     WHERE pk = ?`,
    lastStep,
    config ? toJson(config) : null,
    metadata ? toJson(metadata) : null,
    toJson(overrides),
    toJson(metrics),
    rejected.length,
    state,
    exitCode,
    finishedAt,
    now,
    row.pk,
  )
  if (summaryDirty) await stats.refreshSummary(row.pk, metrics, overrides, current)
}
