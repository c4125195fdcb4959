import {
  StemmaError,
  type ColumnarHistory,
  type ConsoleLine,
  type LoggedValue,
  type MetricDefinition,
  type RunAlert,
  type SystemSample,
  type TerminalState,
  type WireRejectedRow,
} from '@stemma/core'
import type { ApiKeyOwner, BatchContent, RunRecord, StoreTransaction } from '@stemma/store'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from './context.js'
import { notifyAlerts } from './ingest.js'
import { describeRef, requireWritable, type RunTarget } from './targets.js'

/**
 * Content whose client numbers its lines itself (W&B's file_stream): each part says at which
 * line it starts. Line numbers, not writer cursors, make a re-sent request a no-op.
 */
export interface PositionedContent {
  /** Rows; each non-scalar value names the row (index) it belongs to. */
  history?: { offset: number; count: number; rows: ColumnarHistory; values: RowValue[] }
  events?: { offset: number; samples: SystemSample[] }
  /** Lines numbered `offset`, `offset + 1`, …; a number already held is rewritten (terminals redraw). */
  console?: { offset: number; lines: ConsoleLine[] }
  /** The client's whole summary: what differs from the computed summary becomes an override. */
  summary?: Record<string, unknown>
  metadata?: Record<string, unknown>
  /** Top-level config keys to set, and metric definitions to add or replace. */
  config?: Record<string, unknown>
  metrics?: MetricDefinition[]
  alerts?: RunAlert[]
  preempting?: boolean
  /** The process ended; `stateOf` names the state, seeing whether a stop had been asked for. */
  exit?: { exitCode: number; stateOf: (exitCode: number, stopRequested: boolean) => TerminalState }
}

export interface RowValue {
  row: number
  key: string
  value: unknown
}

/**
 * Applies positioned content in one transaction, under the run's lock: lines before the run's
 * count were applied before and are skipped whole; lines that start past it, or straddle it, were
 * sent out of order and fail the request before anything is written.
 */
export async function ingestPositioned(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  content: PositionedContent,
): Promise<RunRecord> {
  const ref = await requireWritable(ctx, viewer, target)
  const now = ctx.now()
  const run = await ctx.store.transaction(async (tx) => {
    const counts = await tx.history.lineCounts(ref)
    const history =
      content.history && fresh('history', content.history.offset, content.history.count, counts.history, ref)
    const events =
      content.events &&
      fresh('events', content.events.offset, content.events.samples.length, counts.events, ref)
    // The run as it stands, under the lock lineCounts took: its step and whether a stop was asked for.
    const held = history || content.exit ? await tx.runs.get(ref) : null
    const rows = history ? splitBehind(content.history!, held?.lastStep ?? null) : undefined
    const exit = content.exit && {
      state: content.exit.stateOf(content.exit.exitCode, held?.stopRequested ?? false),
      exitCode: content.exit.exitCode,
    }
    const batch: BatchContent = {
      ...(rows && { history: rows.history, values: rows.values, rejected: rows.rejected }),
      ...(events && { system: content.events!.samples }),
      ...(content.console && { console: numbered(content.console) }),
      ...(content.metadata && { metadata: content.metadata }),
      ...(content.config && { config: content.config }),
      ...(content.metrics && content.metrics.length > 0 && { metrics: content.metrics }),
      ...(content.alerts && content.alerts.length > 0 && { alerts: content.alerts }),
      ...(content.preempting === true && { preempting: true }),
      ...(exit && { exit }),
    }
    const applied = await tx.history.apply(ref, batch, now)
    // Compared with the summary this batch's history makes, so it is a second step.
    return content.summary ? replaceSummary(tx, ref, applied, content.summary, now) : applied
  })
  const type = content.exit !== undefined || content.preempting === true ? 'state' : 'data'
  ctx.events.publish(runEvent(type, run, now))
  notifyAlerts(ctx, run, content.alerts)
  return run
}

/** Whether a part is new (true) or a re-send (false); anything else is refused. */
function fresh(
  kind: 'history' | 'events',
  offset: number,
  count: number,
  held: number,
  ref: { entity: string; project: string; runId: string },
): boolean {
  if (count === 0) return false
  if (offset + count <= held) return false
  if (offset === held) return true
  throw new StemmaError(
    'SEQUENCE_GAP',
    offset > held
      ? `${kind} lines start at ${offset} but run ${describeRef(ref)} holds ${held}; lines ${held}–${offset - 1} are missing.`
      : `${kind} lines ${offset}–${offset + count - 1} go back over lines run ${describeRef(ref)} already holds (${held}); re-send them unchanged or continue from ${held}.`,
    { kind, expectedOffset: held },
  )
}

/**
 * Rows at or behind the step before them (the run's last step, or the row before in this part)
 * cannot be history; as with stemma's own SDK they are recorded as refused, and keep their line.
 */
function splitBehind(
  part: NonNullable<PositionedContent['history']>,
  lastStep: number | null,
): { history: ColumnarHistory; values: LoggedValue[]; rejected: WireRejectedRow[] } {
  const { rows } = part
  const kept = new Set<number>()
  const rejected: WireRejectedRow[] = []
  let current = lastStep ?? -1
  rows.steps.forEach((step, i) => {
    if (step > current) {
      kept.add(i)
      current = step
      return
    }
    const keys = Object.keys(rows.columns).filter((k) => rows.columns[k]![i] !== null)
    keys.push(...part.values.filter((v) => v.row === i).map((v) => v.key))
    rejected.push({ attemptedStep: step, currentStep: current, keys, timestamp: rows.timestamp[i]! * 1000 })
  })
  const values = part.values.flatMap((v) =>
    kept.has(v.row) ? [{ step: rows.steps[v.row]!, key: v.key, value: v.value }] : [],
  )
  if (rejected.length === 0) return { history: rows, values, rejected }
  const pick = <T>(column: T[]) => column.filter((_, i) => kept.has(i))
  const columns = Object.fromEntries(Object.entries(rows.columns).map(([k, c]) => [k, pick(c)]))
  return {
    history: {
      steps: pick(rows.steps),
      runtime: pick(rows.runtime),
      timestamp: pick(rows.timestamp),
      columns,
    },
    values,
    rejected,
  }
}

function numbered(part: { offset: number; lines: ConsoleLine[] }): ConsoleLine[] {
  return part.lines.map((line, i) => ({ ...line, lineNo: part.offset + i }))
}

/**
 * The client sends its summary whole; stemma computes one from history and metric definitions.
 * Keys where they agree need nothing; where they differ, or the key is the client's alone, the
 * client's value is kept as an override; an override the client no longer sends is dropped.
 */
async function replaceSummary(
  tx: StoreTransaction,
  ref: RunTarget['ref'],
  run: RunRecord,
  summary: Record<string, unknown>,
  now: number,
): Promise<RunRecord> {
  const changes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(summary)) {
    if (key.startsWith('_')) continue
    if (!sameValue(run.summary[key], value)) changes[key] = value
  }
  for (const key of Object.keys(run.summaryOverrides)) {
    if (!(key in summary)) changes[key] = null
  }
  if (Object.keys(changes).length === 0) return run
  return tx.history.apply(ref, { summary: changes }, now)
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b))
  return JSON.stringify(a) === JSON.stringify(b)
}
