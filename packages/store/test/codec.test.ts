import { describe, expect, it } from 'vitest'
import { m4 } from '@stemma/core'
import {
  CHART_COLUMNS_CONTIGUOUS,
  decodeFloats,
  decodeLod,
  decodeSteps,
  encodeChunk,
  LOD,
  LOD_BLOCK,
  LOD_FIELDS,
  LOD_HEADER_BYTES,
  lodBlockStats,
  type LodField,
} from '../src/history/codec.js'
import { statsOf } from '@stemma/core'

function roundTrip(steps: number[], values: number[]) {
  const c = encodeChunk(steps, values, 0, steps.length)
  const outSteps = Array.from(decodeSteps(c.steps, steps[0]!, steps.length))
  const outValues = Array.from(decodeFloats(c.values))
  return { c, outSteps, outValues }
}

describe('chunk codec', () => {
  it('round-trips contiguous steps without a step blob', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => 5 + i)
    const values = steps.map((s) => Math.sin(s))
    const { c, outSteps, outValues } = roundTrip(steps, values)
    expect(c.steps).toBeNull()
    expect(outSteps).toEqual(steps)
    expect(outValues).toEqual(values)
  })

  it('keeps NaN, ±Infinity, -0 and large step gaps exactly', () => {
    const steps = [0, 1, 127, 128, 300, 16_384, 2 ** 31 + 7, 2 ** 40, 2 ** 52]
    const values = [NaN, Infinity, -Infinity, -0, 1e-308, Number.MAX_VALUE, -1.5, 0.1, 42]
    const { c, outSteps, outValues } = roundTrip(steps, values)
    expect(outSteps).toEqual(steps)
    expect(outValues.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
      values.map((v) => (Object.is(v, -0) ? '-0' : v)),
    )
    expect(c.stats).toMatchObject({ count: 9, finiteCount: 8, firstStep: 0, lastStep: 2 ** 52, last: 42 })
    expect(c.stats.min).toBe(-Infinity)
    expect(c.stats.max).toBe(Infinity)
  })

  it('writes LOD blocks that match M4 over their points and decode from their offsets', () => {
    const steps: number[] = []
    let s = 0
    for (let i = 0; i < 1000; i++) steps.push((s += 1 + (i % 7 === 0 ? 200 : i % 3)))
    const values = steps.map((x, i) => (i % 50 === 0 ? NaN : Math.cos(x)))
    const c = encodeChunk(steps, values, 0, steps.length)
    const lod = decodeLod(c.lod!, 1000)
    expect(lod.blocks).toBe(Math.ceil(1000 / LOD_BLOCK))
    expect(c.lod!.byteLength).toBe(LOD_HEADER_BYTES + lod.blocks * LOD_FIELDS * 8)
    for (let b = 0; b < lod.blocks; b++) {
      const from = b * LOD_BLOCK
      const to = Math.min(1000, from + LOD_BLOCK)
      const ref = m4(steps.slice(from, to), values.slice(from, to), steps[from]!, steps[to - 1]!, 1)
      const fields = [LOD.firstStep, LOD.lastStep, LOD.first, LOD.min, LOD.max, LOD.last, LOD.count]
      expect(fields.map((f) => lod.get(b, f))).toEqual([
        ref.step[0],
        ref.lastStep[0],
        ref.first[0],
        ref.min[0],
        ref.max[0],
        ref.last[0],
        ref.count[0],
      ])
      const offset = lod.get(b, LOD.byteOffset)
      expect(Array.from(decodeSteps(c.steps, lod.get(b, LOD.firstStep), to - from, offset))).toEqual(
        steps.slice(from, to),
      )
      expect(lodBlockStats(lod, b)).toEqual(statsOf(steps, values, from, to))
    }
  })

  it('reads the leading LOD columns a chart needs alone, and the per-block records of older chunks', () => {
    const steps = Array.from({ length: 4000 }, (_, i) => i * 3)
    const values = steps.map((x, i) => (i % 97 === 0 ? NaN : Math.sin(x / 100)))
    const c = encodeChunk(steps, values, 0, steps.length)
    const lod = decodeLod(c.lod!, 4000)
    const all = Object.values(LOD) as LodField[]
    // Chunks written before the column layout hold LOD_FIELDS values per block, block after block.
    const records = new Float64Array(lod.blocks * LOD_FIELDS)
    for (let b = 0; b < lod.blocks; b++) for (const f of all) records[b * LOD_FIELDS + f] = lod.get(b, f)
    const legacy = decodeLod(new Uint8Array(records.buffer), 4000)
    // What a chart of contiguous steps reads: the first columns of the blob.
    const prefix = decodeLod(
      c.lod!.subarray(0, LOD_HEADER_BYTES + CHART_COLUMNS_CONTIGUOUS * lod.blocks * 8),
      4000,
    )
    for (let b = 0; b < lod.blocks; b++) {
      expect(all.map((f) => legacy.get(b, f))).toEqual(all.map((f) => lod.get(b, f)))
      const aggregates = [LOD.first, LOD.min, LOD.max, LOD.last]
      expect(aggregates.map((f) => prefix.get(b, f))).toEqual(aggregates.map((f) => lod.get(b, f)))
    }
  })

  it('encodes a sub-range of the input', () => {
    const steps = [1, 2, 3, 10, 11]
    const values = [1, 2, 3, 4, 5]
    const c = encodeChunk(steps, values, 2, 4)
    expect(Array.from(decodeSteps(c.steps, 3, 2))).toEqual([3, 10])
    expect(Array.from(decodeFloats(c.values))).toEqual([3, 4])
    expect(c.lod).toBeNull()
  })
})
