import { M4Builder, type M4Buckets, type View } from '@stemma/core'
import {
  CHART_COLUMNS,
  CHART_COLUMNS_CONTIGUOUS,
  CHUNK_POINTS,
  decodeSteps,
  LOD,
  LOD_BLOCK,
  lodBlockCount,
  type LodBlocks,
} from './codec.js'
import type { ChunkMeta, ChunkStore, RawSlice, SliceRead } from './chunks.js'
import { partRanges } from './view-ranges.js'

/** Decoded steps of the slice being read; reused because charts decode many small slices. */
const scratch = new Float64Array(CHUNK_POINTS)

/** What one chunk contributes: whole (its columns), or its blocks with raw slices where cut. */
interface ChunkPlan {
  chunk: ChunkMeta
  lo: number
  hi: number
  whole: boolean
}

/** A chunk the query cuts: its LOD blocks once read, and the raw points of the blocks it cuts. */
interface CutChunk {
  plan: ChunkPlan
  /** Steps without gaps: the block bounds follow from the chunk's columns, before any LOD read. */
  contiguous: boolean
  lod: LodBlocks | null
  /** Raw points by block index. */
  raw: (RawSlice | undefined)[]
}

/** Points [start, start + count) of a chunk and their steps: one LOD block, or a whole small chunk. */
interface BlockSpan {
  start: number
  count: number
  firstStep: number
  lastStep: number
  /** Where the block's second step delta starts in the step blob (0 for contiguous steps). */
  byteOffset: number
}

/**
 * Exact M4 over a view, from the coarsest tier that is fine enough: a whole chunk's columns when
 * the chunk falls in one bucket, a LOD block when the block does, raw points otherwise. Anything
 * cut by the query range or by a view part's bounds also falls back to finer tiers.
 *
 * The reads go in few rounds however many chunks a chart spans, so a networked database answers
 * in a few round trips: the chunk columns; then, together, the LOD blocks and the raw slices of
 * chunks whose steps are contiguous (their block bounds follow from the columns); last, the raw
 * slices that only LOD blocks could locate (chunks with gaps between steps).
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

  const cut = new Map<ChunkPlan, CutChunk>()
  for (const plan of plans) {
    if (plan.whole) continue
    const s = plan.chunk.stats
    cut.set(plan, { plan, contiguous: s.lastStep - s.firstStep + 1 === s.count, lod: null, raw: [] })
  }
  const contiguous = [...cut.values()].filter((c) => c.contiguous)
  // Contiguous chunks need only their blocks' aggregates, the others the block bounds too.
  const wanted = [...cut.values()]
    .filter((c) => needsLod(builder, c))
    .map((c) => ({
      chunkId: c.plan.chunk.id,
      columns: c.contiguous ? CHART_COLUMNS_CONTIGUOUS : CHART_COLUMNS,
    }))
  const [lods] = await Promise.all([chunks.lods(wanted), readRaw(chunks, builder, contiguous, false)])
  for (const c of cut.values()) c.lod = lods.get(c.plan.chunk.id) ?? null
  // Gapped chunks are located by their LOD blocks now; a chunk without any is read raw.
  await readRaw(
    chunks,
    builder,
    [...cut.values()].filter((c) => !c.contiguous || (c.lod === null && needsLod(builder, c))),
    true,
  )

  for (const plan of plans) {
    const c = cut.get(plan)
    if (c) {
      addCutChunk(builder, c)
      continue
    }
    const s = plan.chunk.stats
    const min = s.finiteCount > 0 ? s.min : NaN
    const max = s.finiteCount > 0 ? s.max : NaN
    builder.addBlock(s.firstStep, s.lastStep, s.first, min, max, s.last, s.count)
  }
  return builder.result()
}

/** How many blocks a cut chunk is read in: its LOD blocks, or one span of the whole chunk. */
function blockCount(c: CutChunk): number {
  const count = c.plan.chunk.stats.count
  if (c.lod) return c.lod.blocks
  return c.contiguous ? Math.max(1, lodBlockCount(count)) : 1
}

/** Fills `span` with block `b` of a cut chunk (every block but the last holds LOD_BLOCK points). */
function spanOf(c: CutChunk, b: number, span: BlockSpan): BlockSpan {
  const s = c.plan.chunk.stats
  if (blockCount(c) === 1) {
    span.start = 0
    span.count = s.count
    span.firstStep = s.firstStep
    span.lastStep = s.lastStep
    span.byteOffset = 0
  } else if (c.contiguous) {
    span.start = b * LOD_BLOCK
    span.count = Math.min(LOD_BLOCK, s.count - span.start)
    span.firstStep = s.firstStep + span.start
    span.lastStep = span.firstStep + span.count - 1
    span.byteOffset = 0
  } else {
    const lod = c.lod!
    span.start = b * LOD_BLOCK
    span.count = lod.get(b, LOD.count)
    span.firstStep = lod.get(b, LOD.firstStep)
    span.lastStep = lod.get(b, LOD.lastStep)
    span.byteOffset = lod.get(b, LOD.byteOffset)
  }
  return span
}

/** The span `spanOf` fills, shared because charts walk thousands of blocks. */
const walked: BlockSpan = { start: 0, count: 0, firstStep: 0, lastStep: 0, byteOffset: 0 }

/** Whether a LOD read pays: a gapped chunk with blocks, or a contiguous one with a block uncut. */
function needsLod(builder: M4Builder, c: CutChunk): boolean {
  const count = c.plan.chunk.stats.count
  if (count <= LOD_BLOCK) return false
  if (!c.contiguous) return true
  for (let b = 0, n = blockCount(c); b < n; b++) {
    const span = spanOf(c, b, walked)
    if (inRange(c.plan, span) && !needsRaw(builder, c.plan, span)) return true
  }
  return false
}

/**
 * Reads, in one round, the raw points of the blocks that LOD blocks cannot stand for: the cut
 * ones, and once the LOD blocks are read (`lodRead`), every block in range of a chunk without
 * them. Blocks read before are skipped.
 */
async function readRaw(
  chunks: ChunkStore,
  builder: M4Builder,
  cut: readonly CutChunk[],
  lodRead: boolean,
): Promise<void> {
  const reads: SliceRead[] = []
  const into: Array<{ c: CutChunk; b: number }> = []
  for (const c of cut) {
    for (let b = 0, n = blockCount(c); b < n; b++) {
      const span = spanOf(c, b, walked)
      if (!inRange(c.plan, span) || c.raw[b] !== undefined) continue
      if (!needsRaw(builder, c.plan, span) && !(lodRead && c.lod === null)) continue
      const { start, count, firstStep, byteOffset } = span
      reads.push({ chunkId: c.plan.chunk.id, start, n: count, firstStep, byteOffset })
      into.push({ c, b })
    }
  }
  const slices = await chunks.slices(reads)
  into.forEach(({ c, b }, i) => (c.raw[b] = slices[i]!))
}

function addCutChunk(builder: M4Builder, c: CutChunk): void {
  for (let b = 0, n = blockCount(c); b < n; b++) {
    const span = spanOf(c, b, walked)
    if (!inRange(c.plan, span)) continue
    const slice = c.raw[b]
    if (slice) {
      addRaw(builder, c.plan, span, slice)
      continue
    }
    const lod = c.lod!
    builder.addBlock(
      span.firstStep,
      span.lastStep,
      lod.get(b, LOD.first),
      lod.get(b, LOD.min),
      lod.get(b, LOD.max),
      lod.get(b, LOD.last),
      span.count,
    )
  }
}

/** Feeds a slice's points within the plan's range, decoding its steps into the shared buffer. */
function addRaw(builder: M4Builder, plan: ChunkPlan, span: BlockSpan, slice: RawSlice): void {
  const steps = decodeSteps(slice.steps, span.firstStep, span.count, span.byteOffset, scratch)
  const values = slice.values
  for (let i = 0; i < span.count; i++) {
    const step = steps[i]!
    if (step >= plan.lo && step <= plan.hi) builder.addPoint(step, values[i]!)
  }
}

function inRange(plan: ChunkPlan, span: BlockSpan): boolean {
  return span.lastStep >= plan.lo && span.firstStep <= plan.hi
}

/** A block in range that is cut by the range or straddles a bucket edge. */
function needsRaw(builder: M4Builder, plan: ChunkPlan, span: BlockSpan): boolean {
  return (
    inRange(plan, span) &&
    !(
      span.firstStep >= plan.lo &&
      span.lastStep <= plan.hi &&
      builder.fitsOneBucket(span.firstStep, span.lastStep)
    )
  )
}
