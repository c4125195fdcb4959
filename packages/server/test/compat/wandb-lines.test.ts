import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseExtendedJson, stringifyExtendedJson } from '../../src/compat/wandb/extended-json.js'
import { scanFlatLine } from '../../src/compat/wandb/flat-line.js'

describe('extended JSON (the W&B clients’ NaN and Infinity)', () => {
  it('reads bare non-finite tokens and leaves strings that spell them alone', () => {
    expect(
      parseExtendedJson('{"a":NaN,"b":[Infinity,-Infinity],"c":"NaN","d":"say \\"Infinity\\""}'),
    ).toEqual({
      a: NaN,
      b: [Infinity, -Infinity],
      c: 'NaN',
      d: 'say "Infinity"',
    })
  })

  it('still refuses what is not JSON', () => {
    expect(() => parseExtendedJson('{"a": NaN')).toThrow(SyntaxError)
    expect(() => parseExtendedJson('{a: 1}')).toThrow(SyntaxError)
  })

  it('writes them back bare, and integers as integers', () => {
    const text = stringifyExtendedJson({ _step: 5, v: NaN, w: -Infinity, s: 'NaN' })
    expect(text).toBe('{"_step":5,"v":NaN,"w":-Infinity,"s":"NaN"}')
    expect(parseExtendedJson(text)).toEqual({ _step: 5, v: NaN, w: -Infinity, s: 'NaN' })
  })
})

describe('the flat-line fast path', () => {
  const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.includes('\\') && !k.includes('"'))
  const value = fc.oneof(fc.double(), fc.integer(), fc.constant(null))

  it('reads a flat object of numbers exactly as the full parser does', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 30 }), (row) => {
        const text = stringifyExtendedJson(row)
        const scanned = scanFlatLine(text)
        expect(scanned).not.toBeNull()
        const parsed = parseExtendedJson(text) as Record<string, unknown>
        expect(Object.fromEntries(scanned!.keys.map((k, i) => [k, scanned!.values[i]]))).toEqual(parsed)
      }),
      { numRuns: 300 },
    )
  })

  it('leaves everything else to the full parser', () => {
    for (const line of [
      '{"a":{"b":1}}',
      '{"a":"text"}',
      '{"a":true}',
      '{"a":[1]}',
      '{"a\\"b":1}',
      '{"a":1,}',
      '{"a":1 "b":2}',
      '{"a":01}',
      '{"a":1} x',
      '[1]',
      '{"a":1',
    ]) {
      expect(scanFlatLine(line), line).toBeNull()
    }
    expect(scanFlatLine(' { "a" : -1.5e3 , "b" : NaN } ')).toEqual({ keys: ['a', 'b'], values: [-1500, NaN] })
  })
})
