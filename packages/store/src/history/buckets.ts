import { M4Builder, type M4Buckets, type View } from '@stemma/core'
import { LOD, LOD_FIELDS } from './codec.js'
import type { ChunkMeta, ChunkStore, SliceRead } from './chunks.js'
import { partRanges } from './view-ranges.js'

/** What one chunk contributes: whole (its columns), or its LOD blocks with raw slices where cut. */
interface ChunkPlan {
  chunk: ChunkMeta
  lo: number
  hi: number
  whole: boolean
}

/**
 * Exact M4 over a view, from the coarsest tier that is fine enough: a whole chunk's columns when
 * the chunk falls in one bucket, a LOD block when the block does, raw points otherwise. Anything
 * cut by the query range or by a view part's bounds also falls back to finer tiers.
 *
 * The reads go in three rounds (chunk columns, then the LOD records of every chunk that needs
 * them, then every raw slice), so a networked database answers a chart in a few round trips
 * however many chunks it spans.
 */
export async function viewBuckets(
  chunks: ChunkStore,
  view: View,
  key: string,
  minStep: number,
  maxStep: number,
  buckets: number,
): Promise<M4Buckets> {
  const builder = new M4Builder(minStep, maxStep, buckets)
  const plans: ChunkPlan[] = []
  for (const { segmentId, lo, hi } of partRanges(view, minStep, maxStep)) {
    const seriesId = await chunks.seriesId(segmentId, key)
    if (seriesId === undefined) continue
    for (const chunk of await chunks.chunksIn(seriesId, lo, hi)) {
      const s = chunk.stats
      const whole = s.firstStep >= lo && s.lastStep <= hi && builder.fitsOneBucket(s.firstStep, s.lastStep)
      plans.push({ chunk, lo, hi, whole })
    }
  }
  const lods = await chunks.lods(plans.filter((p) => !p.whole).map((p) => p.chunk.id))

  // Which points each cut chunk must give raw: its cut LOD blocks, or all of it without a LOD.
  const reads: SliceRead[] = []
  const readsOf = new Map<ChunkPlan, number[]>()
  for (const plan of plans) {
    if (plan.whole) continue
    const lod = lods.get(plan.chunk.id)
    const mine: number[] = []
    const s = plan.chunk.stats
    if (!lod) {
      mine.push(
        reads.push({ chunkId: plan.chunk.id, start: 0, n: s.count, firstStep: s.firstStep, byteOffset: 0 }) -
          1,
      )
    } else {
      let start = 0
      for (let o = 0; o < lod.length; o += LOD_FIELDS) {
        const first = lod[o + LOD.firstStep]!
        const last = lod[o + LOD.lastStep]!
        const count = lod[o + LOD.count]!
        if (needsRaw(builder, plan, first, last)) {
          const byteOffset = lod[o + LOD.byteOffset]!
          mine.push(reads.push({ chunkId: plan.chunk.id, start, n: count, firstStep: first, byteOffset }) - 1)
        }
        start += count
      }
    }
    readsOf.set(plan, mine)
  }
  const raw = await chunks.slices(reads)

  for (const plan of plans) {
    const s = plan.chunk.stats
    if (plan.whole) {
      const min = s.finiteCount > 0 ? s.min : NaN
      const max = s.finiteCount > 0 ? s.max : NaN
      builder.addBlock(s.firstStep, s.lastStep, s.first, min, max, s.last, s.count)
      continue
    }
    const lod = lods.get(plan.chunk.id)
    const pending = readsOf.get(plan)!
    let next = 0
    const addRaw = () => {
      const { steps, values } = raw[pending[next++]!]!
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!
        if (step >= plan.lo && step <= plan.hi) builder.addPoint(step, values[i]!)
      }
    }
    if (!lod) {
      addRaw()
      continue
    }
    for (let o = 0; o < lod.length; o += LOD_FIELDS) {
      const first = lod[o + LOD.firstStep]!
      const last = lod[o + LOD.lastStep]!
      if (last < plan.lo || first > plan.hi) continue
      if (needsRaw(builder, plan, first, last)) addRaw()
      else {
        const count = lod[o + LOD.count]!
        builder.addBlock(
          first,
          last,
          lod[o + LOD.first]!,
          lod[o + LOD.min]!,
          lod[o + LOD.max]!,
          lod[o + LOD.last]!,
          count,
        )
      }
    }
  }
  return builder.result()
}

/** A LOD block in range that is cut by the range or straddles a bucket edge. */
function needsRaw(builder: M4Builder, plan: ChunkPlan, first: number, last: number): boolean {
  return (
    last >= plan.lo &&
    first <= plan.hi &&
    !(first >= plan.lo && last <= plan.hi && builder.fitsOneBucket(first, last))
  )
}
