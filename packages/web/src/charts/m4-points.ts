import { decodeNumber, type BucketsResponse } from '@stemma/core'

/** A line's points in x order. */
export interface Points {
  xs: number[]
  ys: number[]
}

/** Each bucket's min and max at its middle step: the band drawn behind a smoothed line. */
export interface Band {
  xs: number[]
  lo: number[]
  hi: number[]
}

export function m4Band(b: BucketsResponse): Band {
  const { step, lastStep, min, max } = b.data
  return {
    xs: step.map((s, i) => (s + lastStep[i]!) / 2),
    lo: min.map((v) => decodeNumber(v)!),
    hi: max.map((v) => decodeNumber(v)!),
  }
}

/**
 * Turns M4 buckets into the points that draw them exactly at one bucket per pixel: the first
 * value at the bucket's first step, min and max inside it, the last value at its last step. A
 * single-step spike is a bucket's max, so it is drawn at every zoom level.
 */
export function m4Points(b: BucketsResponse): Points {
  const { step, lastStep, count, first, min, max, last } = b.data
  const xs: number[] = []
  const ys: number[] = []
  for (let i = 0; i < step.length; i++) {
    const s = step[i]!
    const e = lastStep[i]!
    const f = decodeNumber(first[i])!
    const l = decodeNumber(last[i])!
    if (count[i] === 1 || e === s) {
      xs.push(s)
      ys.push(l)
      continue
    }
    const lo = decodeNumber(min[i])!
    const hi = decodeNumber(max[i])!
    // Which of min and max came first is not kept; going towards the last value second reads best.
    const [a, c] = l >= f ? [lo, hi] : [hi, lo]
    const third = (e - s) / 3
    xs.push(s, s + third, s + 2 * third, e)
    ys.push(f, a, c, l)
  }
  return { xs, ys }
}

/** The bucket index of `step` in a response's grid (the server's M4 grid, recomputed). */
export function bucketOf(b: { minStep: number; maxStep: number; buckets: number }, step: number): number {
  const width = (b.maxStep - b.minStep + 1) / b.buckets
  return Math.min(b.buckets - 1, Math.floor((step - b.minStep) / width))
}

/**
 * Re-expresses a line's steps in another logged series (an `epoch`, a step metric, `_runtime`)
 * queried on the same bucket grid: within each bucket the other series is taken as linear between
 * its first and last value, exact for the step-wise counters such axes are. Points whose bucket
 * holds no value of the other series are dropped.
 */
export function mapX(points: Points, grid: BucketsResponse, xSeries: BucketsResponse): Points {
  const byBucket = new Map<number, number>()
  xSeries.data.step.forEach((s, i) => byBucket.set(bucketOf(xSeries, s), i))
  const xs: number[] = []
  const ys: number[] = []
  for (let i = 0; i < points.xs.length; i++) {
    const step = points.xs[i]!
    const j = byBucket.get(bucketOf(grid, step))
    if (j === undefined) continue
    const s0 = xSeries.data.step[j]!
    const s1 = xSeries.data.lastStep[j]!
    const x0 = decodeNumber(xSeries.data.first[j])!
    const x1 = decodeNumber(xSeries.data.last[j])!
    const t = s1 > s0 ? Math.min(1, Math.max(0, (step - s0) / (s1 - s0))) : 0
    xs.push(x0 + (x1 - x0) * t)
    ys.push(points.ys[i]!)
  }
  return sortedByX({ xs, ys })
}

/** Charts need x ascending; an axis series that goes back (a reset epoch counter) is reordered. */
function sortedByX(p: Points): Points {
  let sorted = true
  for (let i = 1; i < p.xs.length && sorted; i++) sorted = p.xs[i]! >= p.xs[i - 1]!
  if (sorted) return p
  const order = p.xs.map((_, i) => i).sort((a, b) => p.xs[a]! - p.xs[b]!)
  return { xs: order.map((i) => p.xs[i]!), ys: order.map((i) => p.ys[i]!) }
}
