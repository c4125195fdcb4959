import { M4Builder, type M4Buckets, type View } from '@stemma/core'
import {
  CHART_COLUMNS,
  CHART_COLUMNS_CONTIGUOUS,
  CHUNK_POINTS,
  decodeSteps,
  LOD,
  LOD_BLOCK,
  type LodBlocks,
} from './codec.js'
import type { ChunkMeta, ChunkStore, RawSlice, SliceRead } from './chunks.js'
import { partRanges } from './view-ranges.js'

const NO_LOD = new Float64Array(0)

/** Decoded steps of the slice being read; reused because charts decode many small slices. */
const scratch = new Float64Array(CHUNK_POINTS)

/**
 * A chunk that the query range, a view part's bounds or a bucket edge cuts. It is read in blocks:
 * its LOD blocks, or the whole chunk as one block when it has none. A block inside the range and
 * inside one bucket is added from its LOD aggregates; the others are read raw.
 */
class CutChunk {
  readonly contiguous: boolean
  /** The chunk's step bounds and point count, copied out of its stats for the block walks. */
  readonly first: number
  readonly last: number
  private readonly total: number
  /**
   * Blocks: a contiguous chunk's follow from its step bounds alone, so they are known before any
   * LOD read; a gapped chunk's bounds come from its LOD blocks, and without those it is one block.
   */
  blocks: number
  private lodBlocks: LodBlocks | null = null
  /** Blocks read raw, ascending, and their slices (by position in `rawBlocks`) once read. */
  rawBlocks: number[] = []
  raw: RawSlice[] = []

  constructor(
    readonly chunk: ChunkMeta,
    readonly lo: number,
    readonly hi: number,
  ) {
    const s = chunk.stats
    this.first = s.firstStep
    this.last = s.lastStep
    this.total = s.count
    this.contiguous = s.lastStep - s.firstStep + 1 === s.count
    this.blocks = this.contiguous ? Math.ceil(s.count / LOD_BLOCK) : 1
  }

  get lod(): LodBlocks | null {
    return this.lodBlocks
  }

  set lod(lod: LodBlocks | null) {
    this.lodBlocks = lod
    if (!this.contiguous) this.blocks = lod ? lod.blocks : 1
  }

  /** Whether a LOD read pays: a gapped chunk with blocks, or a contiguous one with a block uncut. */
  wantsLod(): boolean {
    if (this.total <= LOD_BLOCK) return false
    if (!this.contiguous) return true
    let inRange = 0
    for (let b = 0; b < this.blocks; b++)
      if (this.lastStep(b) >= this.lo && this.firstStep(b) <= this.hi) inRange++
    return this.rawBlocks.length < inRange
  }

  firstStep(b: number): number {
    if (this.contiguous) return this.first + b * LOD_BLOCK
    return this.blocks === 1 ? this.first : this.lodBlocks!.get(b, LOD.firstStep)
  }

  lastStep(b: number): number {
    if (this.contiguous) return Math.min(this.last, this.first + (b + 1) * LOD_BLOCK - 1)
    return this.blocks === 1 ? this.last : this.lodBlocks!.get(b, LOD.lastStep)
  }

  count(b: number): number {
    if (this.contiguous) return this.lastStep(b) - this.firstStep(b) + 1
    return this.blocks === 1 ? this.total : this.lodBlocks!.get(b, LOD.count)
  }

  /** Where the block's second step delta starts in the step blob (contiguous steps have none). */
  byteOffset(b: number): number {
    return this.contiguous || this.blocks === 1 ? 0 : this.lodBlocks!.get(b, LOD.byteOffset)
  }

  /**
   * Lists the blocks in range that must be read raw: those the range cuts or that straddle a
   * bucket edge, and with `all` (no LOD blocks to stand for the rest) every block in range.
   */
  classify(builder: M4Builder, all: boolean): void {
    this.rawBlocks = []
    for (let b = 0; b < this.blocks; b++) {
      const first = this.firstStep(b)
      const last = this.lastStep(b)
      if (last < this.lo || first > this.hi) continue
      if (all || first < this.lo || last > this.hi || !builder.fitsOneBucket(first, last))
        this.rawBlocks.push(b)
    }
  }

  sliceReads(): SliceRead[] {
    return this.rawBlocks.map((b) => ({
      chunkId: this.chunk.id,
      start: b * LOD_BLOCK,
      n: this.count(b),
      firstStep: this.firstStep(b),
      byteOffset: this.byteOffset(b),
    }))
  }

  /** Feeds every block in range: raw points where read, LOD aggregates elsewhere. */
  addTo(builder: M4Builder): void {
    // Charts add thousands of blocks: the loop keeps what it reads in locals and reads the
    // aggregates straight from the LOD array.
    const { contiguous, first, last, lo, hi, rawBlocks, blocks } = this
    const lod = this.lodBlocks
    const data = lod ? lod.data : NO_LOD
    const stride = lod ? lod.stride : 0
    const firsts = lod ? lod.offset(LOD.first) : 0
    const mins = lod ? lod.offset(LOD.min) : 0
    const maxes = lod ? lod.offset(LOD.max) : 0
    const lasts = lod ? lod.offset(LOD.last) : 0
    let next = 0
    let nextRaw = rawBlocks.length > 0 ? rawBlocks[0]! : -1
    for (let b = 0, o = 0; b < blocks; b++, o += stride) {
      if (b === nextRaw) {
        this.addRaw(builder, b, this.raw[next++]!)
        nextRaw = next < rawBlocks.length ? rawBlocks[next]! : -1
        continue
      }
      const firstStep = contiguous ? first + b * LOD_BLOCK : this.firstStep(b)
      const lastStep = contiguous ? Math.min(last, firstStep + LOD_BLOCK - 1) : this.lastStep(b)
      if (lastStep < lo || firstStep > hi) continue
      builder.addBlock(
        firstStep,
        lastStep,
        data[firsts + o]!,
        data[mins + o]!,
        data[maxes + o]!,
        data[lasts + o]!,
        contiguous ? lastStep - firstStep + 1 : this.count(b),
      )
    }
  }

  /** A raw block's points within range, its steps decoded into the shared buffer. */
  private addRaw(builder: M4Builder, b: number, slice: RawSlice): void {
    const n = this.count(b)
    const steps = decodeSteps(slice.steps, this.firstStep(b), n, this.byteOffset(b), scratch)
    const values = slice.values
    for (let i = 0; i < n; i++) {
      const step = steps[i]!
      if (step >= this.lo && step <= this.hi) builder.addPoint(step, values[i]!)
    }
  }
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
  /** In step order: a chunk added whole from its columns, or a cut one. */
  const parts: (ChunkMeta | CutChunk)[] = []
  const cut: CutChunk[] = []
  for (const { segmentId, lo, hi } of partRanges(view, minStep, maxStep)) {
    const seriesId = await chunks.seriesId(segmentId, key)
    if (seriesId === undefined) continue
    for (const chunk of await chunks.chunksIn(seriesId, lo, hi)) {
      const s = chunk.stats
      if (s.firstStep >= lo && s.lastStep <= hi && builder.fitsOneBucket(s.firstStep, s.lastStep)) {
        parts.push(chunk)
      } else {
        const c = new CutChunk(chunk, lo, hi)
        parts.push(c)
        cut.push(c)
      }
    }
  }

  const contiguous = cut.filter((c) => c.contiguous)
  for (const c of contiguous) c.classify(builder, false)
  // Contiguous chunks need only their blocks' aggregates, the others the block bounds too.
  const wanted = cut
    .filter((c) => c.wantsLod())
    .map((c) => ({ chunkId: c.chunk.id, columns: c.contiguous ? CHART_COLUMNS_CONTIGUOUS : CHART_COLUMNS }))
  const [lods] = await Promise.all([chunks.lods(wanted), readRaw(chunks, contiguous)])

  // Gapped chunks are located by their LOD blocks now; a chunk that lacks them is read raw (a
  // contiguous one again, whole: rare enough not to keep the slices read before).
  const later: CutChunk[] = []
  for (const c of cut) {
    c.lod = lods.get(c.chunk.id) ?? null
    const lodMissing = c.lod === null && c.wantsLod()
    if (c.contiguous && !lodMissing) continue
    c.classify(builder, lodMissing)
    later.push(c)
  }
  await readRaw(chunks, later)

  for (const p of parts) {
    if (p instanceof CutChunk) {
      p.addTo(builder)
      continue
    }
    const s = p.stats
    const min = s.finiteCount > 0 ? s.min : NaN
    const max = s.finiteCount > 0 ? s.max : NaN
    builder.addBlock(s.firstStep, s.lastStep, s.first, min, max, s.last, s.count)
  }
  return builder.result()
}

/** Reads, in one round, the raw slices of the listed blocks of these chunks. */
async function readRaw(chunks: ChunkStore, cut: readonly CutChunk[]): Promise<void> {
  const reads = cut.flatMap((c) => c.sliceReads())
  const slices = await chunks.slices(reads)
  let i = 0
  for (const c of cut) c.raw = slices.slice(i, (i += c.rawBlocks.length))
}
