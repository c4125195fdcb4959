import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { M4Builder, m4 } from '@stemma/core'

describe('M4 buckets', () => {
  it('keeps first, min, max and last of every bucket so spikes survive', () => {
    const steps = Array.from({ length: 100 }, (_, i) => i)
    const values = steps.map((i) => (i === 37 ? 1000 : i % 10))
    const out = m4(steps, values, 0, 99, 10)
    expect(out.step).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(out.max[3]).toBe(1000)
    expect(out.first[3]).toBe(0)
    expect(out.last[3]).toBe(9)
    expect(out.count.every((c) => c === 10)).toBe(true)
  })

  it('omits empty buckets and clips points outside the range', () => {
    const out = m4([0, 1, 50, 99, 150], [1, 2, 3, 4, 5], 0, 99, 4)
    expect(out.step).toEqual([0, 50, 99])
    expect(out.count).toEqual([2, 1, 1])
  })

  it('gives the same result from whole blocks as from their points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: false }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        (values, buckets) => {
          const steps = values.map((_, i) => i * 3)
          const maxStep = steps.at(-1)!
          const byPoint = m4(steps, values, 0, maxStep, buckets)
          const builder = new M4Builder(0, maxStep, buckets)
          for (let i = 0; i < values.length;) {
            let j = i
            while (j + 1 < values.length && j - i < 7 && builder.fitsOneBucket(steps[i]!, steps[j + 1]!)) j++
            const block = values.slice(i, j + 1)
            const finite = block.filter((v) => !Number.isNaN(v))
            builder.addBlock(
              steps[i]!,
              steps[j]!,
              block[0]!,
              finite.length ? Math.min(...finite) : NaN,
              finite.length ? Math.max(...finite) : NaN,
              block.at(-1)!,
              block.length,
            )
            i = j + 1
          }
          expect(builder.result()).toEqual(byPoint)
        },
      ),
    )
  })

  it('refuses bucket counts out of range', () => {
    expect(() => new M4Builder(0, 10, 0)).toThrow(/buckets must be/)
    expect(() => new M4Builder(10, 0, 5)).toThrow(/must not be below/)
  })
})
