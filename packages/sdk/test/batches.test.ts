import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { IngestBatch } from '@stemma/core'
import { HistoryEncoder } from '../src/history-encoder.js'
import * as stemma from '../src/index.js'
import { readWal } from '../src/wal.js'
import { isolateEnv, tempDir } from './helpers/env.js'

function walBatches(runDir: string): IngestBatch[] {
  return readWal(join(runDir, 'run.wal')).entries.map((e) => e.record.batch)
}

/** Merges columnar batches back into rows keyed by step, as the server would. */
function rowsOf(batches: IngestBatch[]): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>()
  for (const b of batches) {
    const h = b.history
    if (h) {
      h.steps.forEach((step, i) => {
        const row = rows.get(step) ?? {}
        for (const [k, col] of Object.entries(h.columns)) if (col[i] !== null) row[k] = col[i]
        rows.set(step, row)
      })
    }
    for (const v of b.values ?? []) rows.get(v.step)![v.key] = v.value
  }
  return rows
}

describe('HistoryEncoder', () => {
  it('builds columns with nulls, NaN/Infinity strings, booleans as numbers and non-scalars beside', () => {
    const encoder = new HistoryEncoder(1_000_000)
    const out = encoder.encode([
      { step: 0, timestamp: 1_000_500, data: { loss: 0.5, train: { acc: 0.9 } } },
      {
        step: 1,
        timestamp: 1_001_000,
        data: { loss: NaN, flag: true, text: 'hi', img: { _type: 'image' } as object },
      },
      { step: 2, timestamp: 1_002_000, data: { loss: Infinity, neg: -Infinity, arr: [1, 2] } },
    ])
    expect(out.history).toEqual({
      steps: [0, 1, 2],
      runtime: [0.5, 1, 2],
      timestamp: [1000.5, 1001, 1002],
      columns: {
        loss: [0.5, 'NaN', 'Infinity'],
        'train/acc': [0.9, null, null],
        flag: [null, 1, null],
        neg: [null, null, '-Infinity'],
      },
    })
    expect(out.values).toEqual([
      { step: 1, key: 'text', value: 'hi' },
      { step: 1, key: 'img/_type', value: 'image' },
      { step: 2, key: 'arr', value: [1, 2] },
    ])
  })

  it('adds the last value of a step metric to rows that lack it (stepSync)', () => {
    const encoder = new HistoryEncoder(0)
    encoder.setDefinitions([{ name: 'val/*', stepMetric: 'epoch', stepSync: true }])
    const out = encoder.encode([
      { step: 0, timestamp: 0, data: { epoch: 1 } },
      { step: 1, timestamp: 0, data: { val: { loss: 2 } } },
      { step: 2, timestamp: 0, data: { other: 3 } },
    ])
    expect(out.history!.columns.epoch).toEqual([1, 1, null])
  })
})

describe('batches written by a run', () => {
  let dir: string
  beforeEach(() => {
    isolateEnv()
    dir = tempDir()
  })
  afterEach(async () => {
    await stemma.finish()
  })

  it('follows the step rule: commit:false, explicit steps, rejected rows', async () => {
    const warnings: string[] = []
    const run = await stemma.init({
      project: 'p',
      mode: 'offline',
      dir,
      settings: { quiet: true, handleExit: false, flushIntervalMs: 10_000, print: (l) => warnings.push(l) },
    })
    run.log({ a: 1 }) // step 0
    run.log({ b: 2 }, { commit: false })
    run.log({ c: 3 }) // step 1 = {b, c}
    run.log({ d: 4 }, { step: 5 }) // open row at 5
    run.log({ e: 5 }, { step: 5 }) // joins step 5
    run.log({ f: 6 }, { step: 3 }) // lower: dropped
    run.log({ g: 7 }) // commits 5 with g, next is 6
    expect(run.step).toBe(6)
    expect(run.rejectedCount).toBe(1)
    await run.finish()
    const batches = walBatches(run.dir)
    const rows = rowsOf(batches)
    expect([...rows.keys()]).toEqual([0, 1, 5])
    expect(rows.get(0)).toEqual({ a: 1 })
    expect(rows.get(1)).toEqual({ b: 2, c: 3 })
    expect(rows.get(5)).toEqual({ d: 4, e: 5, g: 7 })
    const rejected = batches.flatMap((b) => b.rejected ?? [])
    expect(rejected).toMatchObject([{ attemptedStep: 3, currentStep: 5, keys: ['f'] }])
    expect(batches.at(-1)!.exit).toEqual({ state: 'finished', exitCode: 0 })
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1))
  })

  it('carries config, summary overrides and metric definitions; computes the summary locally', async () => {
    const run = await stemma.init({
      project: 'p',
      mode: 'offline',
      dir,
      config: { lr: 0.1 },
      settings: { quiet: true, handleExit: false },
    })
    run.defineMetric('loss', { summary: 'min,last' })
    for (let i = 0; i < 5; i++) run.log({ loss: 5 - i + (i === 4 ? 10 : 0), acc: i / 10 })
    run.config.update({ epochs: 3 })
    expect(() => run.config.update({ lr: 0.2 })).toThrow(/allowValChange/)
    run.config.update({ lr: 0.2 }, { allowValChange: true })
    run.summary.set('best', 42)
    expect(run.summary.get('loss')).toEqual({ min: 2, last: 11 })
    expect(run.summary.get('acc')).toBe(0.4)
    expect(run.summary.get('best')).toBe(42)
    expect(run.summary.toJSON()._step).toBe(4)
    await run.finish()
    const batches = walBatches(run.dir)
    const merged = Object.assign({}, ...batches.map((b) => b.config ?? {}))
    expect(merged).toEqual({ epochs: 3, lr: 0.2 })
    expect(batches.flatMap((b) => b.metrics ?? [])).toEqual([{ name: 'loss', summary: ['min', 'last'] }])
    expect(Object.assign({}, ...batches.map((b) => b.summary ?? {}))).toEqual({ best: 42 })
  })

  it('a loop that never yields still flushes, so memory stays bounded', async () => {
    const run = await stemma.init({
      project: 'p',
      mode: 'offline',
      dir,
      settings: { quiet: true, handleExit: false, maxBufferedRows: 100 },
    })
    for (let i = 0; i < 1000; i++) run.log({ i })
    expect(walBatches(run.dir).length).toBeGreaterThanOrEqual(2)
    await run.finish()
    expect(rowsOf(walBatches(run.dir)).size).toBe(1000)
  })

  it('strict step policy throws on a lower step', async () => {
    const run = await stemma.init({
      project: 'p',
      mode: 'offline',
      dir,
      settings: { quiet: true, handleExit: false, stepPolicy: 'strict' },
    })
    run.log({ a: 1 }, { step: 10 })
    expect(() => run.log({ a: 2 }, { step: 3 })).toThrow(/lower than the current step/)
    expect(() => run.log([1, 2] as never)).toThrow(/plain object/)
  })

  it('disabled mode is a no-op run with the same API', async () => {
    const run = await stemma.init({ project: 'p', mode: 'disabled', dir })
    run.log({ x: 1 })
    run.log({ x: 3 })
    expect(run.step).toBe(2)
    expect(run.summary.get('x')).toBe(3)
    expect(run.url).toBeNull()
    expect(stemma.run).toBe(run)
    await run.finish()
    expect(stemma.run).toBeUndefined()
  })
})
