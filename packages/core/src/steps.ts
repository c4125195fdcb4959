import { StemmaError } from './errors.js'

export type StepPolicy = 'warn' | 'strict'

/** A committed history row before flattening: `data` is the logged dict, owned by the row. */
export interface CommittedRow {
  step: number
  timestamp: number
  data: Record<string, unknown>
}

/** A row dropped by the step rule, kept so the drop is never silent. */
export interface RejectedRow {
  attemptedStep: number
  currentStep: number
  keys: string[]
  timestamp: number
}

export interface StepSink {
  commit(row: CommittedRow): void
  reject(row: RejectedRow): void
}

/**
 * The W&B step rule. Without `step`, each log commits a row and advances the step by one.
 * `commit: false` accumulates into the current row. An explicit step higher than the current one
 * commits what is pending and moves there; the row at an explicit step stays open (more keys can
 * join it) until a later log moves past it or `commit: true` closes it. A lower step is dropped.
 */
export class StepClock {
  // `log()` takes ownership of `data`: callers pass a dict nobody else will mutate (the SDK copies
  // what the user passed once, on the hot path, and this class never copies it again).
  private current: number
  private pending: Record<string, unknown> | undefined
  private pendingTimestamp = 0
  private rejectedCount = 0

  constructor(
    startingStep: number,
    private readonly sink: StepSink,
    private readonly policy: StepPolicy = 'warn',
  ) {
    this.current = startingStep
  }

  /** The step the next committed row will get. */
  get step(): number {
    return this.current
  }

  get rejected(): number {
    return this.rejectedCount
  }

  log(data: Record<string, unknown>, timestamp: number, step?: number, commit?: boolean): boolean {
    if (step !== undefined) {
      if (!Number.isInteger(step) || step < 0) {
        throw new StemmaError('INVALID_STEP', `step must be a non-negative integer; got ${step}.`)
      }
      if (step < this.current) return this.reject(data, step, timestamp)
      if (step > this.current) {
        this.flush()
        this.current = step
      }
      this.merge(data, timestamp)
      if (commit === true) this.flush()
      return true
    }
    if (commit === false) {
      this.merge(data, timestamp)
      return true
    }
    if (this.pending === undefined) {
      this.sink.commit({ step: this.current++, timestamp, data })
      return true
    }
    this.merge(data, timestamp)
    this.flush()
    return true
  }

  /** Commits the open row, if any. Called before upload and at finish. */
  flush(): void {
    if (this.pending === undefined) return
    const data = this.pending
    this.pending = undefined
    this.sink.commit({ step: this.current++, timestamp: this.pendingTimestamp, data })
  }

  private merge(data: Record<string, unknown>, timestamp: number) {
    if (this.pending === undefined) this.pending = data
    else Object.assign(this.pending, data)
    this.pendingTimestamp = timestamp
  }

  private reject(data: Record<string, unknown>, step: number, timestamp: number): boolean {
    if (this.policy === 'strict') {
      throw new StemmaError(
        'INVALID_STEP',
        `step ${step} is lower than the current step ${this.current}; steps must increase (stepPolicy: 'strict').`,
      )
    }
    this.rejectedCount++
    this.sink.reject({ attemptedStep: step, currentStep: this.current, keys: Object.keys(data), timestamp })
    return false
  }
}
