/**
 * Aggregates of one series over a step range. Chunks, level-of-detail blocks and whole views all
 * carry one, so a summary over any prefix of a history is a merge of a few of them.
 */
export interface SeriesStats {
  /** Points seen, NaN included. */
  count: number
  /** Points that entered min/max/sum (NaN excluded). */
  finiteCount: number
  sum: number
  min: number
  max: number
  firstStep: number
  first: number
  lastStep: number
  last: number
}

export function emptyStats(): SeriesStats {
  return {
    count: 0,
    finiteCount: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
    firstStep: 0,
    first: NaN,
    lastStep: 0,
    last: NaN,
  }
}

/** Adds one point; steps must arrive in increasing order. */
export function addPoint(stats: SeriesStats, step: number, value: number): void {
  if (stats.count === 0) {
    stats.firstStep = step
    stats.first = value
  }
  stats.count++
  stats.lastStep = step
  stats.last = value
  if (Number.isNaN(value)) return
  stats.finiteCount++
  stats.sum += value
  if (value < stats.min) stats.min = value
  if (value > stats.max) stats.max = value
}

/** Merges `later` (covering later steps) into `into`. */
export function mergeStats(into: SeriesStats, later: SeriesStats): void {
  if (later.count === 0) return
  if (into.count === 0) {
    Object.assign(into, later)
    return
  }
  into.count += later.count
  into.finiteCount += later.finiteCount
  into.sum += later.sum
  if (later.min < into.min) into.min = later.min
  if (later.max > into.max) into.max = later.max
  into.lastStep = later.lastStep
  into.last = later.last
}

export function statsOf(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  from = 0,
  to = steps.length,
): SeriesStats {
  const stats = emptyStats()
  for (let i = from; i < to; i++) addPoint(stats, steps[i]!, values[i]!)
  return stats
}
