import { findMetricDefinition, type MetricDefinition, type SummaryAggregation } from './metrics.js'
import type { SeriesStats } from './stats.js'

/**
 * A run's summary: for each key, the last value by default, or the aggregations its metric
 * definition asks for (`{min, max, mean, first, last, best}`). User overrides win over both.
 */
export interface SummaryInputs {
  /** Aggregates of every scalar series in the run's view. */
  scalars: ReadonlyMap<string, SeriesStats>
  /** Last non-scalar value per key, with the step it was logged at. */
  others?: ReadonlyMap<string, { step: number; value: unknown }>
  definitions?: readonly MetricDefinition[]
  overrides?: Readonly<Record<string, unknown>>
}

export function computeSummary(inputs: SummaryInputs): Record<string, unknown> {
  const defs = inputs.definitions ?? []
  const summary: Record<string, unknown> = {}
  for (const [key, stats] of inputs.scalars) {
    if (stats.count === 0 || key.startsWith('_')) continue
    const value = summarize(stats, findMetricDefinition(defs, key))
    if (value !== undefined) summary[key] = value
  }
  for (const [key, { step, value }] of inputs.others ?? []) {
    const scalar = inputs.scalars.get(key)
    if (scalar && scalar.count > 0 && scalar.lastStep > step) continue
    const def = findMetricDefinition(defs, key)
    if (def?.summary?.includes('none')) continue
    summary[key] = value
  }
  // Every committed row carries `_timestamp`, so its series tells the last step and time.
  const clock = inputs.scalars.get('_timestamp')
  if (clock && clock.count > 0) {
    summary._step = clock.lastStep
    summary._timestamp = clock.last
    const runtime = inputs.scalars.get('_runtime')
    if (runtime && runtime.count > 0) summary._runtime = runtime.last
  }
  for (const [key, value] of Object.entries(inputs.overrides ?? {})) {
    if (value === null) delete summary[key]
    else summary[key] = value
  }
  return summary
}

function summarize(stats: SeriesStats, def: MetricDefinition | undefined): unknown {
  const aggs = def?.summary
  if (aggs === undefined || aggs.length === 0 || (aggs.length === 1 && aggs[0] === 'copy')) return stats.last
  if (aggs.includes('none')) return undefined
  const out: Record<string, number> = {}
  for (const agg of aggs) {
    const value = aggregate(stats, agg, def?.goal)
    if (value !== undefined) out[agg] = value
  }
  return out
}

function aggregate(
  stats: SeriesStats,
  agg: SummaryAggregation,
  goal: MetricDefinition['goal'],
): number | undefined {
  const hasFinite = stats.finiteCount > 0
  switch (agg) {
    case 'min':
      return hasFinite ? stats.min : undefined
    case 'max':
      return hasFinite ? stats.max : undefined
    case 'mean':
      return hasFinite ? stats.sum / stats.finiteCount : undefined
    case 'first':
      return stats.first
    case 'last':
    case 'copy':
      return stats.last
    case 'best':
      // As W&B: `best` follows the goal and means minimize when none is given.
      return hasFinite ? (goal === 'maximize' ? stats.max : stats.min) : undefined
    case 'none':
      return undefined
  }
}
