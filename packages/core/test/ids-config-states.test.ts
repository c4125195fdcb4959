import { describe, expect, it } from 'vitest'
import {
  StemmaError,
  effectiveState,
  generateDisplayName,
  generateRunId,
  parseRunId,
  parseRunPath,
  updateConfig,
} from '@stemma/core'

describe('run ids and names', () => {
  it('generates eight characters of [a-z0-9]', () => {
    let seed = 1
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    for (let i = 0; i < 50; i++) expect(generateRunId(random)).toMatch(/^[a-z0-9]{8}$/)
  })

  it.each(['', ' abc', 'abc ', 'a:b', 'a;b', 'a,b', 'a#b', 'a?b', 'a/b', "a'b", 'a\u0000b'])(
    'rejects the id %j',
    (id) => {
      expect(() => parseRunId(id)).toThrow(StemmaError)
    },
  )

  it('accepts user ids with dashes, dots and underscores', () => {
    expect(parseRunId('my-run_1.2')).toBe('my-run_1.2')
  })

  it('makes adjective-noun-N display names', () => {
    expect(generateDisplayName(4, () => 0.5)).toMatch(/^[a-z]+-[a-z]+-4$/)
  })

  it('parses entity/project/id paths', () => {
    expect(parseRunPath('nico/awesome-project/1jx1ud12')).toEqual({
      entity: 'nico',
      project: 'awesome-project',
      runId: '1jx1ud12',
    })
    expect(() => parseRunPath('nico/awesome-project')).toThrow(/entity\/project\/runId/)
    expect(() => parseRunPath('../etc/passwd')).toThrow()
  })
})

describe('config rules', () => {
  it('sets new keys and refuses to change existing ones without allowValChange', () => {
    const config: Record<string, unknown> = { lr: 0.01 }
    expect(updateConfig(config, { epochs: 10, lr: 0.01 })).toEqual(['epochs'])
    expect(() => updateConfig(config, { lr: 0.1 })).toThrow(/allowValChange/)
    expect(config.lr).toBe(0.01)
    expect(updateConfig(config, { lr: 0.1 }, true)).toEqual(['lr'])
    expect(config).toEqual({ lr: 0.1, epochs: 10 })
  })

  it('compares nested values structurally', () => {
    const config: Record<string, unknown> = { model: { layers: [64, 64] } }
    expect(updateConfig(config, { model: { layers: [64, 64] } })).toEqual([])
  })
})

describe('run states', () => {
  it('derives crashed from a stale heartbeat and revives when it is fresh again', () => {
    expect(effectiveState('running', 0, 60_000, 61_000)).toBe('crashed')
    expect(effectiveState('running', 30_000, 60_000, 61_000)).toBe('running')
    expect(effectiveState('preempting', 0, 60_000, 61_000)).toBe('preempted')
    expect(effectiveState('finished', 0, 60_000, 10_000_000)).toBe('finished')
  })
})
