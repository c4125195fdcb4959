import { addPoint, emptyStats, type SeriesStats } from '@stemma/core'
import { endianness } from 'node:os'

/**
 * One chunk holds up to CHUNK_POINTS consecutive points of one series:
 * - steps: NULL when contiguous (first..last, the common case), else LEB128 varint deltas;
 * - values: raw float64 little-endian, so NaN and ±Infinity survive bit for bit;
 * - lod: one record per LOD_BLOCK points (see LOD_FIELDS), so a chart can skip raw points.
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

if (endianness() !== 'LE')
  throw new Error('@stemma/store stores float64 little-endian and needs a little-endian host.')

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
  const blocks = count > LOD_BLOCK ? Math.ceil(count / LOD_BLOCK) : 0
  const lod = blocks > 0 ? new Float64Array(blocks * LOD_FIELDS) : null
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
      fillLodBlock(lod, i / LOD_BLOCK, steps, vals, from, i, Math.min(count, i + LOD_BLOCK), p)
  }
  return {
    stats,
    steps: stepBytes ? Buffer.from(stepBytes.buffer, 0, p) : null,
    values: Buffer.from(vals.buffer),
    lod: lod ? Buffer.from(lod.buffer) : null,
  }
}

function fillLodBlock(
  lod: Float64Array,
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
  const o = block * LOD_FIELDS
  lod[o + LOD.firstStep] = steps[from + start]!
  lod[o + LOD.lastStep] = steps[from + end - 1]!
  lod[o + LOD.first] = vals[start]!
  lod[o + LOD.min] = min
  lod[o + LOD.max] = max
  lod[o + LOD.last] = vals[end - 1]!
  lod[o + LOD.count] = end - start
  lod[o + LOD.byteOffset] = byteOffset
  lod[o + LOD.finiteCount] = finite
  lod[o + LOD.sum] = sum
}

/** A LOD block's aggregates in `SeriesStats` terms. */
export function lodBlockStats(lod: Float64Array, block: number): SeriesStats {
  const o = block * LOD_FIELDS
  const finiteCount = lod[o + LOD.finiteCount]!
  return {
    count: lod[o + LOD.count]!,
    finiteCount,
    sum: lod[o + LOD.sum]!,
    min: finiteCount > 0 ? lod[o + LOD.min]! : Infinity,
    max: finiteCount > 0 ? lod[o + LOD.max]! : -Infinity,
    firstStep: lod[o + LOD.firstStep]!,
    first: lod[o + LOD.first]!,
    lastStep: lod[o + LOD.lastStep]!,
    last: lod[o + LOD.last]!,
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
