import { describe, expect, it } from 'vitest'
import { matchesFilter, resolvePath, validateFilter } from '@stemma/core'

const run = {
  name: 'jolly-haze-4',
  state: 'finished',
  tags: ['baseline', 'best'],
  config: { lr: 0.01, optimizer: { name: 'adam' } },
  summary: { loss: 0.2, 'val/acc': 0.9 },
}
const match = (filter: Record<string, unknown>) =>
  matchesFilter(validateFilter(filter), (p) => resolvePath(run, p))

describe('run filters', () => {
  it('matches equality, list membership and comparisons on nested paths', () => {
    expect(match({ state: 'finished' })).toBe(true)
    expect(match({ tags: 'best' })).toBe(true)
    expect(match({ 'config.lr': { $gt: 0.001, $lte: 0.01 } })).toBe(true)
    expect(match({ 'config.optimizer.name': 'adam' })).toBe(true)
    expect(match({ 'summary.val/acc': { $gte: 0.95 } })).toBe(false)
    expect(match({ name: { $contains: 'HAZE' } })).toBe(true)
  })

  it('combines with $and, $or and $not', () => {
    expect(match({ $or: [{ state: 'failed' }, { tags: { $in: ['best'] } }] })).toBe(true)
    expect(match({ $and: [{ state: 'finished' }, { 'config.lr': { $lt: 0.001 } }] })).toBe(false)
    expect(match({ $not: { state: 'finished' } })).toBe(false)
  })

  it('rejects unknown operators and bad arguments before matching anything', () => {
    expect(() => validateFilter({ state: { $like: 'x' } })).toThrow(/Unknown operator \$like/)
    expect(() => validateFilter({ tags: { $in: 'x' } })).toThrow(/takes a list/)
    expect(() => validateFilter({ name: { $regex: '(' } })).toThrow(/regular expression/)
    expect(() => validateFilter([])).toThrow(/JSON object/)
  })
})
