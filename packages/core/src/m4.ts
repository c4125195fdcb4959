import { StemmaError } from './errors.js'

/** Per-bucket first/min/max/last over a step range: every spike survives at any zoom. */
export interface M4Buckets {
  /** First step that fell in each non-empty bucket. */
  step: number[]
  lastStep: number[]
  first: number[]
  min: number[]
  max: number[]
  last: number[]
  count: number[]
}

export const MAX_BUCKETS = 20_000

/**
 * Builds M4 buckets from points and from pre-aggregated blocks, fed in increasing step order.
 * A block is only added whole when it lies inside one bucket (see `fitsOneBucket`); otherwise
 * its points must be fed one by one, so the result is exact either way.
 */
export class M4Builder {
  private readonly width: number
  private readonly acc: Float64Array
  private readonly counts: Float64Array
  // acc layout per bucket: step, lastStep, first, min, max, last

  constructor(
    readonly minStep: number,
    readonly maxStep: number,
    readonly buckets: number,
  ) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `buckets must be an integer from 1 to ${MAX_BUCKETS}; got ${buckets}.`,
      )
    }
    if (!(maxStep >= minStep)) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `maxStep (${maxStep}) must not be below minStep (${minStep}).`,
      )
    }
    this.width = (maxStep - minStep + 1) / buckets
    this.acc = new Float64Array(buckets * 6)
    this.counts = new Float64Array(buckets)
  }

  bucketOf(step: number): number {
    return Math.min(this.buckets - 1, Math.floor((step - this.minStep) / this.width))
  }

  fitsOneBucket(firstStep: number, lastStep: number): boolean {
    return this.bucketOf(firstStep) === this.bucketOf(lastStep)
  }

  /** Steps per bucket: how coarse a pre-aggregated tier may be and still be exact enough. */
  get bucketWidth(): number {
    return this.width
  }

  addPoint(step: number, value: number): void {
    if (step < this.minStep || step > this.maxStep) return
    this.addBlock(step, step, value, value, value, value, 1)
  }

  addBlock(
    firstStep: number,
    lastStep: number,
    first: number,
    min: number,
    max: number,
    last: number,
    count: number,
  ): void {
    const b = this.bucketOf(firstStep)
    const o = b * 6
    const acc = this.acc
    if (this.counts[b] === 0) {
      acc[o] = firstStep
      acc[o + 2] = first
      acc[o + 3] = min
      acc[o + 4] = max
    } else {
      // NaN never wins a comparison, so a NaN block leaves min/max alone; a NaN seed is replaced.
      if (min < acc[o + 3]! || Number.isNaN(acc[o + 3]!)) acc[o + 3] = min
      if (max > acc[o + 4]! || Number.isNaN(acc[o + 4]!)) acc[o + 4] = max
    }
    acc[o + 1] = lastStep
    acc[o + 5] = last
    this.counts[b]! += count
  }

  result(): M4Buckets {
    const out: M4Buckets = { step: [], lastStep: [], first: [], min: [], max: [], last: [], count: [] }
    for (let b = 0; b < this.buckets; b++) {
      const count = this.counts[b]!
      if (count === 0) continue
      const o = b * 6
      out.step.push(this.acc[o]!)
      out.lastStep.push(this.acc[o + 1]!)
      out.first.push(this.acc[o + 2]!)
      out.min.push(this.acc[o + 3]!)
      out.max.push(this.acc[o + 4]!)
      out.last.push(this.acc[o + 5]!)
      out.count.push(count)
    }
    return out
  }
}

/** Reference M4 over raw columns, used by tests and small reads. */
export function m4(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  minStep: number,
  maxStep: number,
  buckets: number,
): M4Buckets {
  const builder = new M4Builder(minStep, maxStep, buckets)
  for (let i = 0; i < steps.length; i++) builder.addPoint(steps[i]!, values[i]!)
  return builder.result()
}
