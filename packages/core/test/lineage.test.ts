import { describe, expect, it } from 'vitest'
import { branchView, clipView, parseLineageSpec, partAt } from '@stemma/core'

describe('lineage views', () => {
  const parent = [
    { segmentId: 1, fromStep: 0, toStep: 199 },
    { segmentId: 2, fromStep: 200, toStep: null },
  ]

  it('clips a view at a step, closing the last part there', () => {
    expect(clipView(parent, 150)).toEqual([{ segmentId: 1, fromStep: 0, toStep: 150 }])
    expect(clipView(parent, 250)).toEqual([
      { segmentId: 1, fromStep: 0, toStep: 199 },
      { segmentId: 2, fromStep: 200, toStep: 250 },
    ])
  })

  it('branches: the parent up to N, then a new segment from N+1', () => {
    expect(branchView(parent, 0, 9)).toEqual([
      { segmentId: 1, fromStep: 0, toStep: 0 },
      { segmentId: 9, fromStep: 1, toStep: null },
    ])
    expect(partAt(branchView(parent, 300, 9), 301)?.segmentId).toBe(9)
    expect(partAt(branchView(parent, 300, 9), 250)?.segmentId).toBe(2)
  })

  it('parses W&B fork specs and step-metric specs', () => {
    expect(parseLineageSpec('abc123?_step=200', 'forkFrom')).toEqual({
      runId: 'abc123',
      metric: '_step',
      value: 200,
    })
    expect(parseLineageSpec('abc123?tokens=1e9', 'forkFrom')).toEqual({
      runId: 'abc123',
      metric: 'tokens',
      value: 1e9,
    })
    expect(parseLineageSpec('abc123?_step=5&archive=0', 'forkFrom')).toEqual({
      runId: 'abc123',
      metric: '_step',
      value: 5,
      archive: 0,
    })
  })

  it.each([
    'abc?_step=5&archive=-1',
    'abc?_step=5&archive=x',
    'abc?_step=5&foo=1',
    'abc?archive=1',
    'abc?_step=1&archive=1&archive=2',
  ])('refuses the fork spec %j', (spec) => {
    expect(() => parseLineageSpec(spec, 'forkFrom')).toThrow()
  })

  it('only forks may name an archive: a rewind always rewinds the live run', () => {
    expect(() => parseLineageSpec('abc?_step=5&archive=0', 'resumeFrom')).toThrow(/unexpected "archive=0"/)
  })

  it.each([
    'abc',
    '?_step=1',
    'abc?_step=',
    'abc?_step=-1',
    'abc?_step=1.5',
    'abc?_step=NaN',
    'abc?=5',
    'a/b?_step=1',
    'abc?_step',
  ])('refuses the malformed spec %j', (spec) => {
    expect(() => parseLineageSpec(spec, 'forkFrom')).toThrow()
  })
})
