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
  /** Branch from an archived (pre-rewind) state of the run: its index in the run's rewinds. */
  archive?: number
}

/**
 * Parses `runId?_step=200` (W&B's form), `runId?tokens=1e9` (a monotonic step metric), and for
 * forks `runId?_step=200&archive=0` (branch from an archived pre-rewind state).
 */
export function parseLineageSpec(spec: unknown, option: 'forkFrom' | 'resumeFrom'): LineageSpec {
  const form =
    option === 'forkFrom' ? '"<runId>?_step=<N>" (optionally "&archive=<K>")' : '"<runId>?_step=<N>"'
  if (typeof spec !== 'string') {
    throw new StemmaError('INVALID_LINEAGE_SPEC', `${option} must be a string like ${form}.`)
  }
  const q = spec.indexOf('?')
  if (q <= 0)
    throw new StemmaError('INVALID_LINEAGE_SPEC', `${option} ${JSON.stringify(spec)} must look like ${form}.`)
  const runId = parseRunId(spec.slice(0, q))
  const [point, ...extra] = spec.slice(q + 1).split('&')
  const eq = point!.indexOf('=')
  const metric = eq < 0 ? '' : point!.slice(0, eq)
  if (metric === '' || metric === 'archive') {
    throw new StemmaError(
      'INVALID_LINEAGE_SPEC',
      `${option} ${JSON.stringify(spec)} names no step metric; use ${form}.`,
    )
  }
  const value = parseNumber(point!.slice(eq + 1))
  if (!Number.isFinite(value) || value < 0 || (metric === '_step' && !Number.isInteger(value))) {
    throw new StemmaError(
      'INVALID_LINEAGE_SPEC',
      `${option} ${JSON.stringify(spec)}: ${metric} must be a non-negative ${metric === '_step' ? 'integer' : 'number'}.`,
    )
  }
  const parsed: LineageSpec = { runId, metric, value }
  for (const param of extra) {
    const archive = param.startsWith('archive=') ? parseNumber(param.slice('archive='.length)) : NaN
    if (option !== 'forkFrom' || !Number.isInteger(archive) || archive < 0 || parsed.archive !== undefined) {
      throw new StemmaError(
        'INVALID_LINEAGE_SPEC',
        `${option} ${JSON.stringify(spec)}: unexpected ${JSON.stringify(param)}; use ${form}.`,
      )
    }
    parsed.archive = archive
  }
  return parsed
}

function parseNumber(raw: string): number {
  return raw.trim() === '' ? NaN : Number(raw)
}
