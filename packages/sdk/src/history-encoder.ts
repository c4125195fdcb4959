import {
  encodeNumber,
  findMetricDefinition,
  flatten,
  isScalar,
  scalarToNumber,
  type ColumnarHistory,
  type CommittedRow,
  type LoggedValue,
  type MetricDefinition,
  type WireNumber,
} from '@stemma/core'

/** Sees every flattened point as it is encoded; the local summary is one. */
export interface PointObserver {
  scalar(key: string, step: number, value: number): void
  other(key: string, step: number, value: unknown): void
  row(step: number, timestampS: number, runtimeS: number): void
}

const RESERVED = new Set(['_step', '_runtime', '_timestamp'])

/**
 * Turns committed rows into the wire's columnar history: keys once, one column per key with
 * `null` where a row lacks it, NaN/±Infinity as strings, non-scalars beside the columns.
 * This is the flusher's work, so `log()` does none of it.
 */
export class HistoryEncoder {
  private definitions: readonly MetricDefinition[] = []
  private readonly defCache = new Map<string, MetricDefinition | null>()
  private stepMetrics = new Set<string>()
  private readonly lastSeen = new Map<string, unknown>()

  /**
   * @param startMs when this process started the run, for `_runtime`
   * @param runtimeOffsetS runtime already accumulated before a resume
   */
  constructor(
    private readonly startMs: number,
    private readonly runtimeOffsetS = 0,
    private readonly onDropped?: (step: number, reason: string) => void,
  ) {}

  setDefinitions(defs: readonly MetricDefinition[]): void {
    this.definitions = defs
    this.defCache.clear()
    this.stepMetrics = new Set(defs.flatMap((d) => (d.stepMetric !== undefined ? [d.stepMetric] : [])))
  }

  encode(
    rows: readonly CommittedRow[],
    observer?: PointObserver,
  ): { history?: ColumnarHistory; values?: LoggedValue[] } {
    const n = rows.length
    if (n === 0) return {}
    const steps = new Array<number>(n)
    const runtime = new Array<number>(n)
    const timestamp = new Array<number>(n)
    const columns: Record<string, (WireNumber | null)[]> = Object.create(null)
    const values: LoggedValue[] = []
    for (let i = 0; i < n; i++) {
      const row = rows[i]!
      let flat: Record<string, unknown>
      try {
        flat = flatten(row.data)
      } catch (err) {
        // Too deep to flatten: keep the row's place (its step exists) and say why it is empty.
        this.onDropped?.(row.step, (err as Error).message)
        flat = {}
      }
      if (this.stepMetrics.size > 0) this.syncStepMetrics(flat)
      steps[i] = row.step
      const ts = row.timestamp / 1000
      const rt = Math.max(0, (row.timestamp - this.startMs) / 1000) + this.runtimeOffsetS
      timestamp[i] = ts
      runtime[i] = rt
      observer?.row(row.step, ts, rt)
      for (const key in flat) {
        if (RESERVED.has(key)) continue
        const value = flat[key]
        if (isScalar(value)) {
          const num = scalarToNumber(value)
          let column = columns[key]
          if (column === undefined) {
            column = new Array<WireNumber | null>(n).fill(null)
            columns[key] = column
          }
          column[i] = encodeNumber(num)
          observer?.scalar(key, row.step, num)
        } else {
          const safe = serializable(value)
          values.push({ step: row.step, key, value: safe })
          observer?.other(key, row.step, safe)
        }
      }
    }
    const out: { history?: ColumnarHistory; values?: LoggedValue[] } = {
      history: { steps, runtime, timestamp, columns: { ...columns } },
    }
    if (values.length > 0) out.values = values
    return out
  }

  /** W&B's stepSync: a metric tied to a step metric carries that metric's last value when the row lacks it. */
  private syncStepMetrics(flat: Record<string, unknown>) {
    for (const key of this.stepMetrics) {
      if (key in flat) this.lastSeen.set(key, flat[key])
    }
    for (const key in flat) {
      const def = this.definitionOf(key)
      const stepMetric = def?.stepMetric
      if (stepMetric === undefined || def!.stepSync === false || stepMetric in flat) continue
      if (this.lastSeen.has(stepMetric)) flat[stepMetric] = this.lastSeen.get(stepMetric)
    }
  }

  private definitionOf(key: string): MetricDefinition | undefined {
    let def = this.defCache.get(key)
    if (def === undefined) {
      def = findMetricDefinition(this.definitions, key) ?? null
      this.defCache.set(key, def)
    }
    return def ?? undefined
  }
}

/** A value JSON cannot carry (a cycle, a BigInt) must not sink the whole batch: keep its description. */
function serializable(value: unknown): unknown {
  if (value === null || typeof value === 'string') return value
  if (typeof value === 'bigint') return Number(value)
  try {
    JSON.stringify(value)
    return value
  } catch {
    return { _type: 'unserializable', repr: String(value) }
  }
}
