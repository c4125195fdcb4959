import { emptyStats, mergeStats, statsOf, type SeriesStats, type View } from '@stemma/core'
import type { ChunkStore } from './chunks.js'
import { partRanges } from './view-ranges.js'

/**
 * Aggregates of every scalar series over a view, for the summary after a fork or rewind. Whole
 * chunks contribute their columns; only a chunk cut by a part's bounds is decoded, so the cost
 * is O(chunks), not O(points).
 */
export function viewStats(chunks: ChunkStore, view: View): Map<string, SeriesStats> {
  const out = new Map<string, SeriesStats>()
  for (const { segmentId, lo, hi } of partRanges(view)) {
    for (const { id, key } of chunks.seriesOf(segmentId)) {
      let stats = out.get(key)
      for (const chunk of chunks.chunksIn(id, lo, hi)) {
        const s = chunk.stats
        if (!stats) {
          stats = emptyStats()
          out.set(key, stats)
        }
        if (s.firstStep >= lo && s.lastStep <= hi) {
          mergeStats(stats, s)
          continue
        }
        const p = chunks.points(chunk.id, s.firstStep, s.count)
        let a = 0
        let b = p.steps.length
        while (a < b && p.steps[a]! < lo) a++
        while (b > a && p.steps[b - 1]! > hi) b--
        mergeStats(stats, statsOf(p.steps, p.values, a, b))
      }
    }
  }
  for (const [key, stats] of out) if (stats.count === 0) out.delete(key)
  return out
}
