import { expect, it } from 'vitest'
import { integerPattern } from '../src/routes/integer-pattern.js'

it('matches exactly the integers in range, as text without leading zeros', () => {
  for (const [min, max] of [
    [1, 1000],
    [1, 20000],
    [0, 100000],
    [1, 9],
    [1, 10],
    [0, 4567],
    [1, 1000000],
  ] as const) {
    const re = new RegExp(integerPattern(min, max))
    for (let n = 0; n <= Math.min(max + 50, 30000); n++)
      expect(re.test(String(n)), `${n} in ${min}…${max}`).toBe(n >= min && n <= max)
    for (const n of [max, max + 1, max * 10, max - 1]) expect(re.test(String(n))).toBe(n >= min && n <= max)
    for (const text of ['', '01', '-1', '1.0', ' 1', '1e3']) expect(re.test(text), text).toBe(false)
  }
})
