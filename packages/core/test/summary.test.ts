import { describe, expect, it } from 'vitest'
import {
  computeSummary,
  defineMetric,
  emptyStats,
  addPoint,
  findMetricDefinition,
  mergeStats,
  statsOf,
  type SeriesStats,
} from '@stemma/core'

const series = (...values: number[]): SeriesStats =>
  statsOf(
    values.map((_, i) => i),
    values,
  )

describe('summary', () => {
  it('is the last value of each metric by default, with _step from the clock series', () => {
    const scalars = new Map([
      ['loss', series(3, 1, 2)],
      ['_timestamp', series(100, 101, 102)],
    ])
    expect(computeSummary({ scalars })).toEqual({ loss: 2, _step: 2, _timestamp: 102 })
  })

  it('applies defineMetric aggregations, goals and "none"', () => {
    const scalars = new Map([
      ['loss', series(3, 1, 2)],
      ['acc', series(0.5, 0.9, 0.7)],
      ['hidden', series(1)],
    ])
    const definitions = [
      defineMetric('loss', { summary: 'min,max,mean,first,last' }),
      defineMetric('acc', { summary: 'best', goal: 'maximize' }),
      defineMetric('hidden', { summary: 'none' }),
    ]
    expect(computeSummary({ scalars, definitions })).toEqual({
      loss: { min: 1, max: 3, mean: 2, first: 3, last: 2 },
      acc: { best: 0.9 },
    })
  })

  it('lets user overrides win and null remove a key', () => {
    const scalars = new Map([['loss', series(3, 1)]])
    expect(computeSummary({ scalars, overrides: { loss: 0.5, best_accuracy: 0.95 } })).toEqual({
      loss: 0.5,
      best_accuracy: 0.95,
    })
    expect(computeSummary({ scalars, overrides: { loss: null } })).toEqual({})
  })

  it('matches glob definitions, exact names first and later globs over earlier ones', () => {
    const defs = [defineMetric('val/*', { summary: 'max' }), defineMetric('val/loss*', { summary: 'min' })]
    expect(findMetricDefinition(defs, 'val/acc')?.summary).toEqual(['max'])
    expect(findMetricDefinition(defs, 'val/loss')?.summary).toEqual(['min'])
    expect(findMetricDefinition([...defs, defineMetric('val/loss')], 'val/loss')?.summary).toBeUndefined()
    expect(findMetricDefinition(defs, 'train/acc')).toBeUndefined()
  })

  it('keeps NaN out of min/max/mean but reports it as the last value', () => {
    const s = series(1, NaN, 3, NaN)
    expect([s.min, s.max, s.sum / s.finiteCount, s.count]).toEqual([1, 3, 2, 4])
    expect(Number.isNaN(s.last)).toBe(true)
  })

  it('merging the stats of two halves equals the stats of the whole', () => {
    const values = [5, 2, NaN, 9, -1, 4]
    const left = statsOf([0, 1, 2], values.slice(0, 3))
    const right = statsOf([3, 4, 5], values.slice(3))
    const merged = emptyStats()
    mergeStats(merged, left)
    mergeStats(merged, right)
    const whole = emptyStats()
    values.forEach((v, i) => addPoint(whole, i, v))
    expect(merged).toEqual(whole)
  })

  it('rejects unknown aggregations and goals with a clear message', () => {
    expect(() => defineMetric('x', { summary: 'median' })).toThrow(/Unknown summary aggregation "median"/)
    // @ts-expect-error: goal is checked at runtime too
    expect(() => defineMetric('x', { goal: 'up' })).toThrow(/goal must be/)
  })

  it('turns stepSync on when a step metric is given', () => {
    expect(defineMetric('loss', { stepMetric: 'epoch' })).toEqual({
      name: 'loss',
      stepMetric: 'epoch',
      stepSync: true,
    })
  })
})
