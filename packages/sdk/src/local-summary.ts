import {
  addPoint,
  computeSummary,
  emptyStats,
  findMetricDefinition,
  type MetricDefinition,
  type SeriesStats,
} from '@stemma/core'
import type { PointObserver } from './history-encoder.js'

const SPARK_WIDTH = 32

/**
 * A fixed-size picture of a series for the end-of-run sparkline: keeps at most 2·width points,
 * halving the resolution (pairwise means) when full. Deterministic, O(1) memory per metric.
 */
class Sketch {
  values: number[] = []
  private stride = 1
  private acc = 0
  private accCount = 0

  add(value: number) {
    if (!Number.isFinite(value)) return
    this.acc += value
    if (++this.accCount < this.stride) return
    this.values.push(this.acc / this.accCount)
    this.acc = 0
    this.accCount = 0
    if (this.values.length >= 2 * SPARK_WIDTH) {
      const halved: number[] = []
      for (let i = 0; i + 1 < this.values.length; i += 2)
        halved.push((this.values[i]! + this.values[i + 1]!) / 2)
      this.values = halved
      this.stride *= 2
    }
  }

  points(): number[] {
    return this.accCount > 0 ? [...this.values, this.acc / this.accCount] : this.values
  }
}

/**
 * The run's summary computed in-process from the rows it logged, by the same rules the server
 * uses (core `computeSummary`): last value, or the defineMetric aggregations; overrides win.
 * A resumed run starts from the server's summary, and local keys replace its keys.
 */
export class LocalSummary implements PointObserver {
  private readonly scalars = new Map<string, SeriesStats>()
  private readonly others = new Map<string, { step: number; value: unknown }>()
  private readonly sketches = new Map<string, Sketch>()
  readonly overrides: Record<string, unknown> = {}
  definitions: readonly MetricDefinition[] = []

  constructor(private readonly base: Record<string, unknown> = {}) {}

  row(step: number, timestampS: number, runtimeS: number): void {
    this.scalar('_timestamp', step, timestampS)
    this.scalar('_runtime', step, runtimeS)
  }

  scalar(key: string, step: number, value: number): void {
    let stats = this.scalars.get(key)
    if (stats === undefined) {
      stats = emptyStats()
      this.scalars.set(key, stats)
    }
    addPoint(stats, step, value)
    if (key.charCodeAt(0) !== 95 /* _ */) {
      let sketch = this.sketches.get(key)
      if (sketch === undefined) {
        sketch = new Sketch()
        this.sketches.set(key, sketch)
      }
      sketch.add(value)
    }
  }

  other(key: string, step: number, value: unknown): void {
    this.others.set(key, { step, value })
  }

  compute(): Record<string, unknown> {
    const local = computeSummary({
      scalars: this.scalars,
      others: this.others,
      definitions: this.definitions,
      overrides: this.overrides,
    })
    const out: Record<string, unknown> = { ...this.base, ...local }
    for (const [key, value] of Object.entries(this.overrides)) if (value === null) delete out[key]
    return out
  }

  /** Visible scalar series with their sketches, for the end-of-run "Run history" block. */
  histories(): Array<{ key: string; points: number[] }> {
    const out: Array<{ key: string; points: number[] }> = []
    for (const [key, sketch] of this.sketches) {
      if (findMetricDefinition(this.definitions, key)?.hidden === true) continue
      out.push({ key, points: sketch.points() })
    }
    return out
  }
}
