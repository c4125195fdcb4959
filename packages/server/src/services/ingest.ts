import { StemmaError, type IngestBatch, type IngestResponse, type RunAlert } from '@stemma/core'
import type { ApiKeyOwner, RunRecord } from '@stemma/store'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from './context.js'
import { toRunDto } from './dto.js'
import { requireWritable, type RunTarget } from './targets.js'

/**
 * Applies one batch. The store commits it in one transaction and makes re-sent (writerId, seq)
 * pairs no-ops; here we only add the checks JSON schema cannot express, before anything is written.
 */
export async function ingestBatch(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  batch: IngestBatch,
): Promise<IngestResponse> {
  const ref = await requireWritable(ctx, viewer, target)
  checkColumns(batch)
  const outcome = await ctx.store.history.ingest(ref, batch, ctx.now())
  if (!outcome.duplicate) {
    const type = batch.exit !== undefined || batch.preempting ? 'state' : 'data'
    ctx.events.publish(runEvent(type, outcome.run, ctx.now()))
    // A batch commits once across replicas (re-sent ones are duplicates), so each alert is posted once.
    notifyAlerts(ctx, outcome.run, batch.alerts)
  }
  return {
    committedSeq: outcome.committedSeq,
    duplicate: outcome.duplicate,
    control: { stopRequested: outcome.run.stopRequested },
  }
}

/** Posts a run's new alerts to the configured webhooks (in the background). */
export function notifyAlerts(
  ctx: ServiceContext,
  record: RunRecord,
  alerts: readonly RunAlert[] | undefined,
): void {
  if (!ctx.alerts || !alerts || alerts.length === 0) return
  const run = toRunDto(ctx, record)
  const source = { entity: run.entity, project: run.project, runId: run.id, runName: run.name, url: run.url }
  for (const alert of alerts) ctx.alerts.notify(source, alert)
}

/** Columnar history must be rectangular and its steps strictly increasing, or the batch is refused whole. */
export function checkColumns(batch: IngestBatch): void {
  const history = batch.history
  if (history === undefined) return
  const rows = history.steps.length
  const mismatch = (name: string, length: number) =>
    new StemmaError(
      'VALIDATION_FAILED',
      `history.${name} has ${length} entries but history.steps has ${rows}; every column needs one entry per step.`,
      { column: name },
    )
  if (history.runtime.length !== rows) throw mismatch('runtime', history.runtime.length)
  if (history.timestamp.length !== rows) throw mismatch('timestamp', history.timestamp.length)
  for (const [key, column] of Object.entries(history.columns)) {
    if (column.length !== rows) throw mismatch(`columns[${JSON.stringify(key)}]`, column.length)
  }
  for (let i = 1; i < rows; i++) {
    if (history.steps[i]! <= history.steps[i - 1]!) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `history.steps must increase strictly within a batch; step ${history.steps[i]} follows ${history.steps[i - 1]}.`,
      )
    }
  }
}
