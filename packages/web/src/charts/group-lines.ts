import { decodeNumber, type BucketsResponse } from '@stemma/core'

/** One group's line: the mean over its runs per bucket, and the band from their min to max. */
export interface GroupLine {
  xs: number[]
  mean: number[]
  lo: number[]
  hi: number[]
}

/**
 * Aggregates runs' buckets queried on one shared grid (same minStep, maxStep, buckets): per
 * bucket, the mean of the runs' last values there, with their min and max as the band. A bucket
 * is kept where at least one run has a value; x is the bucket's middle step.
 */
export function groupLine(responses: BucketsResponse[]): GroupLine {
  const first = responses[0]
  if (!first) return { xs: [], mean: [], lo: [], hi: [] }
  const width = (first.maxStep - first.minStep + 1) / first.buckets
  const acc = new Map<number, { sum: number; n: number; lo: number; hi: number }>()
  for (const r of responses) {
    r.data.step.forEach((step, i) => {
      const v = decodeNumber(r.data.last[i])
      if (v === undefined || !Number.isFinite(v)) return
      const bucket = Math.min(first.buckets - 1, Math.floor((step - first.minStep) / width))
      const a = acc.get(bucket)
      if (a) {
        a.sum += v
        a.n++
        a.lo = Math.min(a.lo, v)
        a.hi = Math.max(a.hi, v)
      } else acc.set(bucket, { sum: v, n: 1, lo: v, hi: v })
    })
  }
  const out: GroupLine = { xs: [], mean: [], lo: [], hi: [] }
  for (const bucket of [...acc.keys()].sort((a, b) => a - b)) {
    const a = acc.get(bucket)!
    out.xs.push(first.minStep + (bucket + 0.5) * width)
    out.mean.push(a.sum / a.n)
    out.lo.push(a.lo)
    out.hi.push(a.hi)
  }
  return out
}
