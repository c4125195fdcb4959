import { StemmaError } from './errors.js'
import { parseRunId, type RunId } from './ids.js'

/**
 * A run's history is a view: an ordered list of segment ranges. A fork's view is its parent's
 * view clipped at the fork step plus a new segment; a rewind does the same to the run itself
 * and keeps the old view for the archived run. Nothing here touches points.
 */
export interface ViewPart {
  segmentId: number
  fromStep: number
  /** Inclusive; null while the segment is the run's open tail. */
  toStep: number | null
}

export type View = readonly ViewPart[]

/** The parts of `view` covering steps ≤ `maxStep`, the last one closed at `maxStep`. */
export function clipView(view: View, maxStep: number): ViewPart[] {
  const out: ViewPart[] = []
  for (const part of view) {
    if (part.fromStep > maxStep) break
    const toStep = part.toStep === null ? maxStep : Math.min(part.toStep, maxStep)
    out.push({ segmentId: part.segmentId, fromStep: part.fromStep, toStep })
  }
  return out
}

/** The view of a branch that keeps `view` up to `step` and writes its own points to `segmentId` after it. */
export function branchView(view: View, step: number, segmentId: number): ViewPart[] {
  return [...clipView(view, step), { segmentId, fromStep: step + 1, toStep: null }]
}

/** The part holding `step`, if any. */
export function partAt(view: View, step: number): ViewPart | undefined {
  for (const part of view) {
    if (step >= part.fromStep && (part.toStep === null || step <= part.toStep)) return part
  }
  return undefined
}

export interface LineageSpec {
  runId: RunId
  /** `_step`, or a defineMetric step metric such as `tokens`. */
  metric: string
  value: number
}

/** Parses `runId?_step=200` (W&B's form) or `runId?tokens=1e9`. */
export function parseLineageSpec(spec: unknown, option: 'forkFrom' | 'resumeFrom'): LineageSpec {
  if (typeof spec !== 'string') {
    throw new StemmaError('INVALID_LINEAGE_SPEC', `${option} must be a string like "abc123?_step=200".`)
  }
  const q = spec.indexOf('?')
  const eq = spec.indexOf('=', q)
  if (q <= 0 || eq < 0 || spec.indexOf('&') >= 0) {
    throw new StemmaError(
      'INVALID_LINEAGE_SPEC',
      `${option} ${JSON.stringify(spec)} must look like "<runId>?_step=<N>".`,
    )
  }
  const runId = parseRunId(spec.slice(0, q))
  const metric = spec.slice(q + 1, eq)
  const raw = spec.slice(eq + 1)
  const value = raw.trim() === '' ? NaN : Number(raw)
  if (metric === '') {
    throw new StemmaError('INVALID_LINEAGE_SPEC', `${option} ${JSON.stringify(spec)} names no step metric.`)
  }
  if (!Number.isFinite(value) || value < 0 || (metric === '_step' && !Number.isInteger(value))) {
    throw new StemmaError(
      'INVALID_LINEAGE_SPEC',
      `${option} ${JSON.stringify(spec)}: ${metric} must be a non-negative ${metric === '_step' ? 'integer' : 'number'}.`,
    )
  }
  return { runId, metric, value }
}
