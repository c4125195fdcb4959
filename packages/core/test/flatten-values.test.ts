import { describe, expect, it } from 'vitest'
import { decodeNumber, encodeNumber, flatten, isScalar, toWireJson } from '@stemma/core'

describe('flatten', () => {
  it('turns nested objects into slash-separated keys and keeps arrays as values', () => {
    expect(flatten({ train: { acc: 0.9, loss: { total: 1 } }, val: [1, 2], lr: 0.1 })).toEqual({
      'train/acc': 0.9,
      'train/loss/total': 1,
      val: [1, 2],
      lr: 0.1,
    })
  })

  it('skips undefined values', () => {
    expect(flatten({ a: undefined, b: 1 })).toEqual({ b: 1 })
  })

  it('refuses data nested deeper than 32 levels', () => {
    let deep: Record<string, unknown> = { x: 1 }
    for (let i = 0; i < 40; i++) deep = { n: deep }
    expect(() => flatten(deep)).toThrow(/deeper than 32/)
  })
})

describe('wire numbers', () => {
  it('round-trips NaN and infinities through JSON', () => {
    for (const v of [NaN, Infinity, -Infinity, 1.5, 0, -0.25]) {
      const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(v))))
      expect(Object.is(back, v) || (Number.isNaN(v) && Number.isNaN(back))).toBe(true)
    }
    expect(toWireJson({ a: NaN, b: [Infinity] })).toBe('{"a":"NaN","b":["Infinity"]}')
  })

  it('treats numbers and booleans as scalars only', () => {
    expect([1, true, NaN, 'x', null, [1], {}].map(isScalar)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ])
  })
})
