import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as stemma from '../src/index.js'
import { isolateEnv, tempDir } from './helpers/env.js'

/** Not a timed assertion: prints what one `log()` of a 20-scalar dict costs here. */
describe('log() cost', () => {
  beforeAll(() => isolateEnv())
  afterAll(() => stemma.finish())

  it('measures p50/p99 for a 20-scalar dict', async () => {
    const run = await stemma.init({
      project: 'bench',
      mode: 'offline',
      dir: tempDir(),
      settings: { quiet: true, handleExit: false },
    })
    const keys = Array.from({ length: 20 }, (_, i) => `metric_${i}`)
    const make = (i: number) => {
      const d: Record<string, number> = {}
      for (const k of keys) d[k] = i * 0.001
      return d
    }
    const dicts = Array.from({ length: 1000 }, (_, i) => make(i))
    const perCall: number[] = []
    const perBatch: number[] = []
    const BATCH = 100
    for (let round = 0; round < 300; round++) {
      for (let b = 0; b < 10; b++) {
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < BATCH; i++) run.log(dicts[(b * BATCH + i) % dicts.length]!)
        perBatch.push(Number(process.hrtime.bigint() - t0) / BATCH)
      }
      for (let i = 0; i < 100; i++) {
        const d = dicts[i]!
        const t0 = process.hrtime.bigint()
        run.log(d)
        perCall.push(Number(process.hrtime.bigint() - t0))
      }
      // Give the flusher its turn, as a real training loop does between steps.
      await new Promise((r) => setImmediate(r))
    }
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!
    const timerOverhead: number[] = []
    for (let i = 0; i < 10_000; i++) {
      const t0 = process.hrtime.bigint()
      timerOverhead.push(Number(process.hrtime.bigint() - t0))
    }
    console.log(
      `log() 20 scalars: amortized p50 ${pct(perBatch, 0.5).toFixed(0)} ns, p99 ${pct(perBatch, 0.99).toFixed(0)} ns; ` +
        `single call p50 ${pct(perCall, 0.5)} ns, p99 ${pct(perCall, 0.99)} ns (timer overhead p50 ${pct(timerOverhead, 0.5)} ns)`,
    )
    await run.finish()
    expect(run.step).toBe(300 * 1100)
  })
})
