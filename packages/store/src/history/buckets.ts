import { M4Builder, type M4Buckets, type View } from '@stemma/core'
import { CHUNK_POINTS, decodeSteps, LOD, LOD_FIELDS } from './codec.js'
import type { ChunkMeta, ChunkStore, RawSlice, SliceRead } from './chunks.js'
import { partRanges } from './view-ranges.js'

/** Decoded steps of the slice being read; reused because charts decode many small slices. */
const scratch = new Float64Array(CHUNK_POINTS)

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
  // They are listed in plan order, and read back in the same order below.
  const reads: SliceRead[] = []
  for (const plan of plans) {
    if (plan.whole) continue
    const lod = lods.get(plan.chunk.id)
    const s = plan.chunk.stats
    if (!lod) {
      reads.push({ chunkId: plan.chunk.id, start: 0, n: s.count, firstStep: s.firstStep, byteOffset: 0 })
      continue
    }
    let start = 0
    for (let o = 0; o < lod.length; o += LOD_FIELDS) {
      const count = lod[o + LOD.count]!
      if (needsRaw(builder, plan, lod[o + LOD.firstStep]!, lod[o + LOD.lastStep]!)) {
        const firstStep = lod[o + LOD.firstStep]!
        reads.push({
          chunkId: plan.chunk.id,
          start,
          n: count,
          firstStep,
          byteOffset: lod[o + LOD.byteOffset]!,
        })
      }
      start += count
    }
  }
  const raw = await chunks.slices(reads)

  let next = 0
  for (const plan of plans) {
    const s = plan.chunk.stats
    if (plan.whole) {
      const min = s.finiteCount > 0 ? s.min : NaN
      const max = s.finiteCount > 0 ? s.max : NaN
      builder.addBlock(s.firstStep, s.lastStep, s.first, min, max, s.last, s.count)
      continue
    }
    const lod = lods.get(plan.chunk.id)
    if (!lod) {
      addRaw(builder, plan, reads[next]!, raw[next++]!)
      continue
    }
    for (let o = 0; o < lod.length; o += LOD_FIELDS) {
      const first = lod[o + LOD.firstStep]!
      const last = lod[o + LOD.lastStep]!
      if (last < plan.lo || first > plan.hi) continue
      if (needsRaw(builder, plan, first, last)) addRaw(builder, plan, reads[next]!, raw[next++]!)
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

/** Feeds a slice's points within the plan's range, decoding its steps into the shared buffer. */
function addRaw(builder: M4Builder, plan: ChunkPlan, read: SliceRead, slice: RawSlice): void {
  const steps = decodeSteps(slice.steps, read.firstStep, read.n, read.byteOffset, scratch)
  const values = slice.values
  for (let i = 0; i < read.n; i++) {
    const step = steps[i]!
    if (step >= plan.lo && step <= plan.hi) builder.addPoint(step, values[i]!)
  }
}

/** A LOD block in range that is cut by the range or straddles a bucket edge. */
function needsRaw(builder: M4Builder, plan: ChunkPlan, first: number, last: number): boolean {
  return (
    last >= plan.lo &&
    first <= plan.hi &&
    !(first >= plan.lo && last <= plan.hi && builder.fitsOneBucket(first, last))
  )
}
