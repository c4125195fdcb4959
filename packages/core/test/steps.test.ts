import { describe, expect, it } from 'vitest'
import { StepClock, type CommittedRow, type RejectedRow } from '@stemma/core'

function clock(start = 0, policy: 'warn' | 'strict' = 'warn') {
  const rows: CommittedRow[] = []
  const rejected: RejectedRow[] = []
  const c = new StepClock(start, { commit: (r) => rows.push(r), reject: (r) => rejected.push(r) }, policy)
  return { c, rows, rejected }
}

describe('StepClock (the W&B step rule)', () => {
  it('commits one row per log and advances the step by one', () => {
    const { c, rows } = clock()
    c.log({ a: 1 }, 10)
    c.log({ a: 2 }, 11)
    expect(rows.map((r) => [r.step, r.data.a])).toEqual([
      [0, 1],
      [1, 2],
    ])
    expect(c.step).toBe(2)
  })

  it('accumulates commit:false logs into one row', () => {
    const { c, rows } = clock()
    c.log({ a: 1 }, 1, undefined, false)
    c.log({ b: 2 }, 2, undefined, false)
    expect(rows).toHaveLength(0)
    c.log({ c: 3 }, 3)
    expect(rows).toEqual([{ step: 0, timestamp: 3, data: { a: 1, b: 2, c: 3 } }])
  })

  it('keeps a row at an explicit step open until a later step moves past it', () => {
    const { c, rows } = clock()
    c.log({ a: 1 }, 1, 5)
    c.log({ b: 2 }, 2, 5)
    expect(rows).toHaveLength(0)
    c.log({ a: 3 }, 3, 7)
    expect(rows).toEqual([{ step: 5, timestamp: 2, data: { a: 1, b: 2 } }])
    c.flush()
    expect(rows[1]).toEqual({ step: 7, timestamp: 3, data: { a: 3 } })
    expect(c.step).toBe(8)
  })

  it('drops an explicit lower step, counts it and reports it', () => {
    const { c, rows, rejected } = clock()
    c.log({ a: 1 }, 1)
    c.log({ a: 2 }, 2)
    expect(c.log({ a: 9 }, 3, 0)).toBe(false)
    expect(rows).toHaveLength(2)
    expect(c.rejected).toBe(1)
    expect(rejected).toEqual([{ attemptedStep: 0, currentStep: 2, keys: ['a'], timestamp: 3 }])
  })

  it("throws instead under stepPolicy 'strict'", () => {
    const { c } = clock(5, 'strict')
    expect(() => c.log({ a: 1 }, 1, 3)).toThrow(/lower than the current step 5/)
  })

  it('refuses negative and fractional steps', () => {
    const { c } = clock()
    expect(() => c.log({ a: 1 }, 1, -1)).toThrow(/non-negative integer/)
    expect(() => c.log({ a: 1 }, 1, 1.5)).toThrow(/non-negative integer/)
  })

  it('starts at the resumed or forked starting step', () => {
    const { c, rows } = clock(201)
    c.log({ metric: 1 }, 1)
    expect(rows[0]!.step).toBe(201)
  })

  it('merges later dicts into the first of an open row without touching the later ones', () => {
    const { c, rows } = clock()
    const first = { a: 1 }
    const second = { b: 2 }
    c.log(first, 1, undefined, false)
    c.log(second, 2)
    expect(rows[0]!.data).toEqual({ a: 1, b: 2 })
    expect(second).toEqual({ b: 2 })
  })
})
