import { describe, expect, it } from 'vitest'
import type { BucketsResponse } from '@stemma/core'
import { groupLine } from '../src/charts/group-lines'
import { bucketOf, m4Points, mapX } from '../src/charts/m4-points'
import { parseSmoothing, smooth } from '../src/charts/smoothing'

function buckets(
  minStep: number,
  maxStep: number,
  n: number,
  rows: [number, number, number, number, number, number, number][],
): BucketsResponse {
  const data = {
    step: [],
    lastStep: [],
    count: [],
    first: [],
    min: [],
    max: [],
    last: [],
  } as unknown as BucketsResponse['data']
  for (const [step, lastStep, count, first, min, max, last] of rows) {
    data.step.push(step)
    data.lastStep.push(lastStep)
    data.count.push(count)
    data.first.push(first)
    data.min.push(min)
    data.max.push(max)
    data.last.push(last)
  }
  return { key: 'k', minStep, maxStep, buckets: n, data }
}

describe('M4 points', () => {
  it('keeps a bucket’s spike: first, min, max, last in x order inside the bucket', () => {
    const p = m4Points(buckets(0, 99, 1, [[0, 99, 100, 1, 0.5, 100, 1.2]]))
    expect(p.ys).toEqual([1, 0.5, 100, 1.2])
    expect(p.xs[0]).toBe(0)
    expect(p.xs[3]).toBe(99)
    expect(p.xs[1]! < p.xs[2]!).toBe(true)
  })

  it('draws a one-point bucket as one point, and NaN/Infinity as numbers the chart skips', () => {
    const b = buckets(0, 9, 10, [[3, 3, 1, 7, 7, 7, 7]])
    ;(b.data.last as unknown[])[0] = 'NaN'
    expect(m4Points(b)).toEqual({ xs: [3], ys: [NaN] })
  })

  it('maps steps onto another series on the same grid, linear within a bucket', () => {
    const grid = buckets(0, 199, 2, [
      [0, 99, 100, 0, 0, 1, 1],
      [100, 199, 100, 1, 1, 2, 2],
    ])
    const epoch = buckets(0, 199, 2, [
      [0, 99, 100, 0, 0, 0.99, 0.99],
      [100, 199, 100, 1, 1, 1.99, 1.99],
    ])
    const mapped = mapX({ xs: [0, 50, 150], ys: [10, 20, 30] }, grid, epoch)
    expect(mapped.ys).toEqual([10, 20, 30])
    expect(mapped.xs[0]).toBe(0)
    expect(mapped.xs[1]).toBeCloseTo(0.5, 2)
    expect(mapped.xs[2]).toBeCloseTo(1.495, 2)
    expect(bucketOf(grid, 199)).toBe(1)
  })
})

describe('group lines', () => {
  it('averages the runs’ last values per shared bucket, with their min and max as the band', () => {
    const a = buckets(0, 9, 2, [
      [0, 4, 5, 0, 0, 1, 1],
      [5, 9, 5, 2, 2, 3, 3],
    ])
    const b = buckets(0, 9, 2, [[0, 4, 5, 0, 0, 3, 3]])
    expect(groupLine([a, b])).toEqual({ xs: [2.5, 7.5], mean: [2, 3], lo: [1, 3], hi: [3, 3] })
    expect(groupLine([])).toEqual({ xs: [], mean: [], lo: [], hi: [] })
  })
})

describe('smoothing', () => {
  it('parses what the address holds and ignores what it cannot use', () => {
    expect(parseSmoothing('ema:0.6')).toEqual({ kind: 'ema', weight: 0.6 })
    expect(parseSmoothing('avg:3')).toEqual({ kind: 'average', window: 3 })
    expect(parseSmoothing('gauss:2.5')).toEqual({ kind: 'gaussian', sigma: 2.5 })
    expect(parseSmoothing('ema:7')).toEqual({ kind: 'none' })
    expect(parseSmoothing(null)).toEqual({ kind: 'none' })
  })

  it('running average over the last N points, skipping gaps', () => {
    expect(smooth([0, 1, 2, 3], [1, 3, null, 5], { kind: 'average', window: 2 })).toEqual([1, 2, null, 4])
  })

  it('EMA starts at the first value (debiased) and weights by x distance', () => {
    const even = smooth([0, 1, 2], [10, 0, 0], { kind: 'ema', weight: 0.5 })
    expect(even[0]).toBe(10)
    expect(even[1]).toBeCloseTo(10 / 3, 6) // (0.5·0.5·10 + 0.5·0) / (0.5·0.5 + 0.5)
    // Evenly spaced points get the weight whatever the spacing; a far point forgets more of the past.
    expect(smooth([0, 10, 20], [10, 0, 0], { kind: 'ema', weight: 0.5 })).toEqual(even)
    const near = smooth([0, 1, 2, 2.1, 20], [10, 0, 0, 0, 0], { kind: 'ema', weight: 0.5 })
    const far = smooth([0, 1, 2, 19, 20], [10, 0, 0, 0, 0], { kind: 'ema', weight: 0.5 })
    expect(far[3]!).toBeLessThan(near[3]!)
  })

  it('Gaussian smoothing of a constant is the constant, and it flattens a spike', () => {
    expect(smooth([0, 1, 2, 3], [5, 5, 5, 5], { kind: 'gaussian', sigma: 1 })).toEqual([5, 5, 5, 5])
    const s = smooth([0, 1, 2, 3, 4], [0, 0, 10, 0, 0], { kind: 'gaussian', sigma: 1 })
    expect(s[2]!).toBeLessThan(10)
    expect(s[1]!).toBeGreaterThan(0)
  })
})
