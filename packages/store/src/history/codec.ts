import { addPoint, emptyStats, type SeriesStats } from '@stemma/core'
import { endianness } from 'node:os'

/**
 * One chunk holds up to CHUNK_POINTS consecutive points of one series:
 * - steps: NULL when contiguous (first..last, the common case), else LEB128 varint deltas;
 * - values: raw float64 little-endian, so NaN and ±Infinity survive bit for bit;
 * - lod: LOD_FIELDS aggregates per LOD_BLOCK points (see LodBlocks), so a chart can skip raw points.
 */
export const CHUNK_POINTS = 4096
export const LOD_BLOCK = 64
/**
 * Per LOD block: firstStep, lastStep, first, min, max, last (min/max as M4 sees them: NaN only
 * when every value is NaN), count, byte offset of the block's second step delta, finite count and
 * sum (so a summary cut inside a chunk needs no raw points but the one block it cuts).
 */
export const LOD_FIELDS = 10
export const LOD = {
  firstStep: 0,
  lastStep: 1,
  first: 2,
  min: 3,
  max: 4,
  last: 5,
  count: 6,
  byteOffset: 7,
  finiteCount: 8,
  sum: 9,
} as const
export type LodField = (typeof LOD)[keyof typeof LOD]

if (endianness() !== 'LE')
  throw new Error('@stemma/store stores float64 little-endian and needs a little-endian host.')

/**
 * A chunk's LOD blob holds one column per field, in COLUMN_ORDER, so that a chart reads only the
 * leading columns it needs. It starts with this mark: a NaN, which no blob of the older layout
 * (LOD_FIELDS values per block, block after block, each block starting with its first step) can
 * start with. Chunks written in that layout are read as they are; nothing is rewritten.
 */
const COLUMNS_MARK = 0x7ff8_5354_4c4f_4431n
export const LOD_HEADER_BYTES = 8
const COLUMN_ORDER: readonly LodField[] = [
  LOD.first,
  LOD.min,
  LOD.max,
  LOD.last,
  LOD.firstStep,
  LOD.lastStep,
  LOD.count,
  LOD.byteOffset,
  LOD.finiteCount,
  LOD.sum,
]
const COLUMN_OF = COLUMN_ORDER.reduce<number[]>((of, field, column) => ((of[field] = column), of), [])
/** Leading columns enough for a chart of a chunk whose steps are contiguous: first, min, max, last. */
export const CHART_COLUMNS_CONTIGUOUS = 4
/** Leading columns enough for any chart: the block bounds as well. */
export const CHART_COLUMNS = 8

/** Blocks of a chunk of `count` points (none when it fits one block). */
export function lodBlockCount(count: number): number {
  return count > LOD_BLOCK ? Math.ceil(count / LOD_BLOCK) : 0
}

/** A chunk's LOD blocks, in either layout, or just the leading columns of the column layout. */
export class LodBlocks {
  /** How far apart two blocks' values of one field are. */
  readonly stride: number

  constructor(
    readonly data: Float64Array,
    readonly blocks: number,
    private readonly columns: boolean,
  ) {
    this.stride = columns ? 1 : LOD_FIELDS
  }

  /** Where `field` of block 0 sits in `data`: block b's is `stride` × b further on. */
  offset(field: LodField): number {
    return this.columns ? COLUMN_OF[field]! * this.blocks : field
  }

  /** One field of one block; with only leading columns read, only their fields. */
  get(block: number, field: LodField): number {
    return this.data[this.offset(field) + block * this.stride]!
  }
}

/**
 * The LOD blocks of a chunk of `count` points from its blob in either layout, or from the
 * leading bytes of a blob laid out in columns (then only those columns' fields may be read).
 */
export function decodeLod(blob: Uint8Array, count: number): LodBlocks {
  const columns =
    blob.byteLength >= LOD_HEADER_BYTES &&
    new DataView(blob.buffer, blob.byteOffset, LOD_HEADER_BYTES).getBigUint64(0, true) === COLUMNS_MARK
  const floats = decodeFloats(blob)
  return new LodBlocks(columns ? floats.subarray(1) : floats, lodBlockCount(count), columns)
}

export interface EncodedChunk {
  stats: SeriesStats
  steps: Buffer | null
  values: Buffer
  lod: Buffer | null
}

export interface Points {
  steps: Float64Array
  values: Float64Array
}

/** Encodes points [from, to) of a series; steps must be strictly increasing integers. */
export function encodeChunk(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  from: number,
  to: number,
): EncodedChunk {
  const count = to - from
  const stats = emptyStats()
  const vals = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    vals[i] = values[from + i]!
    addPoint(stats, steps[from + i]!, vals[i]!)
  }
  const contiguous = stats.lastStep - stats.firstStep + 1 === count
  const blocks = lodBlockCount(count)
  const lod = blocks > 0 ? new Float64Array(1 + blocks * LOD_FIELDS) : null
  if (lod) new DataView(lod.buffer).setBigUint64(0, COLUMNS_MARK, true)
  const stepBytes = contiguous ? null : new Uint8Array(count * 10)
  let p = 0
  for (let i = 0; i < count; i++) {
    if (stepBytes && i > 0) {
      let d = steps[from + i]! - steps[from + i - 1]!
      while (d >= 128) {
        stepBytes[p++] = (d % 128) | 128
        d = Math.floor(d / 128)
      }
      stepBytes[p++] = d
    }
    if (lod && i % LOD_BLOCK === 0)
      fillLodBlock(lod, blocks, i / LOD_BLOCK, steps, vals, from, i, Math.min(count, i + LOD_BLOCK), p)
  }
  return {
    stats,
    steps: stepBytes ? Buffer.from(stepBytes.buffer, 0, p) : null,
    values: Buffer.from(vals.buffer),
    lod: lod ? Buffer.from(lod.buffer) : null,
  }
}

/** Writes one block's fields into the column layout. */
function fillLodBlock(
  lod: Float64Array,
  blocks: number,
  block: number,
  steps: ArrayLike<number>,
  vals: Float64Array,
  from: number,
  start: number,
  end: number,
  byteOffset: number,
): void {
  let min = NaN
  let max = NaN
  let finite = 0
  let sum = 0
  for (let i = start; i < end; i++) {
    const v = vals[i]!
    if (Number.isNaN(v)) continue
    finite++
    sum += v
    if (!(v >= min)) min = v
    if (!(v <= max)) max = v
  }
  const set = (field: LodField, value: number) => (lod[1 + COLUMN_OF[field]! * blocks + block] = value)
  set(LOD.firstStep, steps[from + start]!)
  set(LOD.lastStep, steps[from + end - 1]!)
  set(LOD.first, vals[start]!)
  set(LOD.min, min)
  set(LOD.max, max)
  set(LOD.last, vals[end - 1]!)
  set(LOD.count, end - start)
  set(LOD.byteOffset, byteOffset)
  set(LOD.finiteCount, finite)
  set(LOD.sum, sum)
}

/** A LOD block's aggregates in `SeriesStats` terms. */
export function lodBlockStats(lod: LodBlocks, block: number): SeriesStats {
  const finiteCount = lod.get(block, LOD.finiteCount)
  return {
    count: lod.get(block, LOD.count),
    finiteCount,
    sum: lod.get(block, LOD.sum),
    min: finiteCount > 0 ? lod.get(block, LOD.min) : Infinity,
    max: finiteCount > 0 ? lod.get(block, LOD.max) : -Infinity,
    firstStep: lod.get(block, LOD.firstStep),
    first: lod.get(block, LOD.first),
    lastStep: lod.get(block, LOD.lastStep),
    last: lod.get(block, LOD.last),
  }
}

/**
 * A float64 view of a blob: zero-copy when the driver's buffer is 8-byte aligned (large buffers
 * are), else an aligned copy. Callers only read it.
 */
export function decodeFloats(blob: Uint8Array): Float64Array {
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8)
  const out = new Float64Array(blob.byteLength / 8)
  new Uint8Array(out.buffer).set(blob)
  return out
}

/** Steps of points [start, start + n) given the first of them and the byte offset of the next delta. */
export function decodeSteps(
  blob: Uint8Array | null,
  firstStep: number,
  n: number,
  byteOffset = 0,
  out = new Float64Array(n),
): Float64Array {
  if (blob === null) {
    for (let i = 0; i < n; i++) out[i] = firstStep + i
    return out
  }
  let p = byteOffset
  let step = firstStep
  if (n > 0) out[0] = step
  for (let i = 1; i < n; i++) {
    let b = blob[p++]!
    let d = b & 127
    let scale = 128
    while (b & 128) {
      b = blob[p++]!
      d += (b & 127) * scale
      scale *= 128
    }
    step += d
    out[i] = step
  }
  return out
}
