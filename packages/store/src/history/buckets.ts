import { M4Builder, type M4Buckets, type View } from '@stemma/core'
import { CHUNK_POINTS, decodeSteps, LOD, LOD_FIELDS } from './codec.js'
import type { ChunkMeta, ChunkStore } from './chunks.js'
import { partRanges } from './view-ranges.js'

/**
 * Exact M4 over a view, from the coarsest tier that is fine enough: a whole chunk's columns when
 * the chunk falls in one bucket, a LOD block when the block does, raw points otherwise. Anything
 * cut by the query range or by a view part's bounds also falls back to finer tiers.
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
  for (const { segmentId, lo, hi } of partRanges(view, minStep, maxStep)) {
    const seriesId = await chunks.seriesId(segmentId, key)
    if (seriesId === undefined) continue
    for (const chunk of await chunks.chunksIn(seriesId, lo, hi))
      await addChunk(builder, chunks, chunk, lo, hi)
  }
  return builder.result()
}

/** Decoded steps of the block being read; reused because charts decode many small blocks. */
const scratch = new Float64Array(CHUNK_POINTS)
/** Above this many cut blocks in a chunk, one read of the whole value blob beats a slice per block. */
const SLICE_LIMIT = 2

async function addChunk(
  builder: M4Builder,
  chunks: ChunkStore,
  chunk: ChunkMeta,
  lo: number,
  hi: number,
): Promise<void> {
  const s = chunk.stats
  const inside = s.firstStep >= lo && s.lastStep <= hi
  if (inside && builder.fitsOneBucket(s.firstStep, s.lastStep)) {
    const min = s.finiteCount > 0 ? s.min : NaN
    const max = s.finiteCount > 0 ? s.max : NaN
    builder.addBlock(s.firstStep, s.lastStep, s.first, min, max, s.last, s.count)
    return
  }
  const lod = await chunks.lod(chunk.id)
  const needsRaw = (first: number, last: number) =>
    last >= lo && first <= hi && !(first >= lo && last <= hi && builder.fitsOneBucket(first, last))
  // A chunk usually needs raw points for a block or two: read just their slices then, and the
  // whole value blob only when many blocks need them (a zoomed-in chart).
  let whole: { steps: Uint8Array | null; values: Float64Array } | undefined
  if (lod) {
    let cut = 0
    for (let o = 0; o < lod.length; o += LOD_FIELDS)
      if (needsRaw(lod[o + LOD.firstStep]!, lod[o + LOD.lastStep]!)) cut++
    if (cut > SLICE_LIMIT) whole = await chunks.blobs(chunk.id)
  }
  const raw = async (start: number, firstStep: number, n: number, byteOffset: number) => {
    let steps: Float64Array
    let values: Float64Array
    let offset = 0
    if (whole) {
      steps = decodeSteps(whole.steps, firstStep, n, byteOffset, scratch)
      values = whole.values
      offset = start
    } else {
      ;({ steps, values } = await chunks.slice(chunk.id, start, n, firstStep, byteOffset))
    }
    for (let i = 0; i < n; i++) {
      const step = steps[i]!
      if (step >= lo && step <= hi) builder.addPoint(step, values[offset + i]!)
    }
  }
  if (!lod) {
    await raw(0, s.firstStep, s.count, 0)
    return
  }
  const blocks = lod.length / LOD_FIELDS
  let start = 0
  for (let b = 0; b < blocks; b++) {
    const o = b * LOD_FIELDS
    const first = lod[o + LOD.firstStep]!
    const last = lod[o + LOD.lastStep]!
    const count = lod[o + LOD.count]!
    if (last >= lo && first <= hi) {
      if (!needsRaw(first, last)) {
        builder.addBlock(
          first,
          last,
          lod[o + LOD.first]!,
          lod[o + LOD.min]!,
          lod[o + LOD.max]!,
          lod[o + LOD.last]!,
          count,
        )
      } else {
        await raw(start, first, count, lod[o + LOD.byteOffset]!)
      }
    }
    start += count
  }
}
