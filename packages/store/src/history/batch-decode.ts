import { decodeNumber, StemmaError, type ColumnarHistory } from '@stemma/core'
import { ROW_KEY, RUNTIME_KEY } from './read.js'

/** One series' points from a batch, ready for the chunk store. */
export interface BatchSeries {
  key: string
  steps: Float64Array
  values: Float64Array
}

const RESERVED = new Set(['_step', ROW_KEY, RUNTIME_KEY])

/**
 * Turns a columnar wire batch into per-key point arrays, checking it whole before anything is
 * written: steps strictly increasing integers from `minStep`, columns as long as the steps.
 */
export function decodeHistory(history: ColumnarHistory, minStep: number): BatchSeries[] {
  const { steps, runtime, timestamp, columns } = history
  const n = Array.isArray(steps) ? steps.length : -1
  if (
    n < 0 ||
    !Array.isArray(runtime) ||
    !Array.isArray(timestamp) ||
    runtime.length !== n ||
    timestamp.length !== n
  ) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      'history.steps, runtime and timestamp must be lists of the same length.',
    )
  }
  if (n === 0) return []
  const stepArr = new Float64Array(n)
  let prev = minStep - 1
  for (let i = 0; i < n; i++) {
    const s = steps[i]
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      throw new StemmaError('INVALID_STEP', `history step ${String(s)} is not a non-negative integer.`)
    }
    if (s <= prev) {
      throw new StemmaError(
        'INVALID_STEP',
        s < minStep
          ? `history step ${s} is not after the run's last step; the next step must be ≥ ${minStep}.`
          : `history steps must strictly increase; ${s} follows ${prev}.`,
        { minStep },
      )
    }
    stepArr[i] = s
    prev = s
  }
  const out: BatchSeries[] = [
    { key: RUNTIME_KEY, steps: stepArr, values: decodeColumn(RUNTIME_KEY, runtime, n) },
    { key: ROW_KEY, steps: stepArr, values: decodeColumn(ROW_KEY, timestamp, n) },
  ]
  for (const [key, column] of Object.entries(columns ?? {})) {
    if (key === '' || RESERVED.has(key))
      throw new StemmaError('VALIDATION_FAILED', `history key ${JSON.stringify(key)} is reserved.`)
    if (!Array.isArray(column) || column.length !== n) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `history column ${JSON.stringify(key)} must have one entry per step.`,
      )
    }
    let present = 0
    for (let i = 0; i < n; i++) if (column[i] !== null) present++
    if (present === 0) continue
    const ks = present === n ? stepArr : new Float64Array(present)
    const vs = new Float64Array(present)
    let j = 0
    for (let i = 0; i < n; i++) {
      const raw: unknown = column[i]
      if (raw === null) continue
      const v = typeof raw === 'boolean' ? (raw ? 1 : 0) : decodeNumber(raw)
      if (v === undefined) {
        throw new StemmaError(
          'VALIDATION_FAILED',
          `history column ${JSON.stringify(key)} holds a non-number at step ${stepArr[i]}.`,
        )
      }
      if (ks !== stepArr) ks[j] = stepArr[i]!
      vs[j++] = v
    }
    out.push({ key, steps: ks, values: vs })
  }
  return out
}

function decodeColumn(key: string, column: readonly unknown[], n: number): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const v = decodeNumber(column[i])
    if (v === undefined) throw new StemmaError('VALIDATION_FAILED', `history ${key} must be numbers.`)
    out[i] = v
  }
  return out
}
