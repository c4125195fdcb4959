import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as stemma from '../src/index.js'
import { formatValue, sparkline, summaryBlock } from '../src/terminal.js'
import { isolateEnv, tempDir } from './helpers/env.js'

describe('terminal output', () => {
  beforeEach(() => isolateEnv())
  afterEach(() => stemma.finish())

  it('draws sparklines deterministically', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█')
    expect(sparkline([3, 3, 3])).toBe('▁▁▁')
    expect(sparkline([NaN, 1])).toBe('▁')
    expect(sparkline(Array.from({ length: 1000 }, (_, i) => i))).toHaveLength(32)
  })

  it('formats the history and summary block as seed 003 does', () => {
    const lines = summaryBlock([{ key: 'loss', points: [1, 0.5] }], {
      loss: 0.5,
      _step: 1,
      best: { min: 0.123456789 },
    })
    expect(lines).toEqual([
      'stemma:',
      'stemma: Run history:',
      'stemma: loss █▁',
      'stemma:',
      'stemma: Run summary:',
      'stemma: loss 0.5',
      'stemma: best {"min":0.123456789}',
      'stemma:',
    ])
    expect(formatValue(1 / 3)).toBe('0.33333')
  })

  it('warns about dropped steps once, then every 1000th', async () => {
    const lines: string[] = []
    const run = await stemma.init({
      project: 'p',
      mode: 'offline',
      dir: tempDir(),
      settings: { quiet: true, handleExit: false, print: (l) => lines.push(l) },
    })
    run.log({ a: 1 }, { step: 10 })
    for (let i = 0; i < 2000; i++) run.log({ a: 2 }, { step: 1 })
    expect(run.rejectedCount).toBe(2000)
    expect(lines.filter((l) => l.includes('WARNING step 1 is lower'))).toHaveLength(3)
  })
})
