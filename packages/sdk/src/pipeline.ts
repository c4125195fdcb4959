import {
  toWireJson,
  type CommittedRow,
  type ConsoleLine,
  type RunAlert,
  type SystemSample,
  type IngestBatch,
  type MetricDefinition,
  type RejectedRow,
  type StepSink,
  type TerminalState,
} from '@stemma/core'
import type { HistoryEncoder } from './history-encoder.js'
import type { LocalSummary } from './local-summary.js'
import type { Uploader } from './uploader.js'
import type { WalWriter } from './wal.js'

/** About 4 MB of JSON: far below the server's 16 MiB body limit, large enough to amortise a request. */
const MAX_POINTS_PER_BATCH = 250_000
/** Longest a captured console line waits for a batch when nothing else is being sent. */
const CAPTURE_INTERVAL_MS = 1_000
/** Console lines that start a flush early: a script printing fast still sends bounded batches. */
const MAX_CONSOLE_LINES_PER_BATCH = 5_000
/** Buffered rows, as a multiple of `maxBufferedRows`, at which `log()` itself flushes. */
const HARD_CAP_FACTOR = 4

export interface PipelineOptions {
  writerId: string
  encoder: HistoryEncoder
  summary: LocalSummary
  /** Absent in disabled mode: rows only feed the local summary. */
  wal?: WalWriter
  /** Absent offline: batches only reach the write-ahead file. */
  uploader?: Uploader
  flushIntervalMs: number
  maxBufferedRows: number
  onRejected: (row: RejectedRow, count: number) => void
  onError: (err: Error) => void
}

/**
 * The background half of the SDK, shaped like OpenTelemetry's batch span processor: `log()`
 * only pushes into `rows`; a timer (unref'd, so it never keeps the process alive) or a full
 * buffer drains them into one batch, appends it to the write-ahead file and queues the upload.
 */
export class Pipeline implements StepSink {
  private rows: CommittedRow[] = []
  private rejected: RejectedRow[] = []
  private rejectedCount = 0
  private config: Record<string, unknown> | undefined
  private summaryOverrides: Record<string, unknown> | undefined
  private metrics = new Map<string, MetricDefinition>()
  private metadata: Record<string, unknown> | undefined
  private preempting = false
  private consoleLines: ConsoleLine[] = []
  private systemSamples: SystemSample[] = []
  private alerts: RunAlert[] = []
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  private earlyFlushScheduled = false
  private rowsPerBatch = 10_000
  lastBatchAt = 0

  constructor(private readonly options: PipelineOptions) {}

  // StepSink: called by StepClock on the hot path, so: push and return.
  commit(row: CommittedRow): void {
    const buffered = this.rows.push(row)
    if (buffered < this.options.maxBufferedRows) return
    if (buffered >= HARD_CAP_FACTOR * this.options.maxBufferedRows) {
      // A loop that never yields never lets the timer run: flush here rather than grow without bound.
      this.safeFlush()
    } else if (!this.earlyFlushScheduled) {
      this.earlyFlushScheduled = true
      setImmediate(() => this.safeFlush())
    }
  }

  reject(row: RejectedRow): void {
    this.rejected.push(row)
    this.options.onRejected(row, ++this.rejectedCount)
  }

  get batchesWritten(): number {
    return this.seq
  }

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.safeFlush(), this.options.flushIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** A timer must never crash the user's process; a failed write is reported and retried next tick. */
  safeFlush(): void {
    try {
      this.flush()
    } catch (err) {
      this.options.onError(err as Error)
    }
  }

  setConfig(values: Record<string, unknown>): void {
    this.config = { ...this.config, ...values }
  }

  setSummary(values: Record<string, unknown>): void {
    this.summaryOverrides = { ...this.summaryOverrides, ...values }
  }

  setMetric(def: MetricDefinition): void {
    this.metrics.set(def.name, def)
  }

  setMetadata(values: Record<string, unknown>): void {
    this.metadata = { ...this.metadata, ...values }
  }

  markPreempting(): void {
    this.preempting = true
  }

  /** A captured console line; goes out with the next batch (a flood of output flushes early). */
  addConsole(line: ConsoleLine): void {
    if (this.consoleLines.push(line) >= MAX_CONSOLE_LINES_PER_BATCH && !this.earlyFlushScheduled) {
      this.earlyFlushScheduled = true
      setImmediate(() => this.safeFlush())
    }
  }

  addSystem(sample: SystemSample): void {
    this.systemSamples.push(sample)
  }

  addAlert(alert: RunAlert): void {
    this.alerts.push(alert)
  }

  /**
   * Drains everything pending into one batch. With `exit`, the batch is written even when empty:
   * it is the record that ends the run. Returns the batch, if one was made.
   */
  flush(exit?: { state: TerminalState; exitCode: number }): IngestBatch | undefined {
    this.earlyFlushScheduled = false
    const rows = this.rows
    // Console and system samples alone ride along at most every CAPTURE_INTERVAL_MS: a script
    // printing all the time must not cost a request per flush tick.
    const captureDue =
      (this.consoleLines.length > 0 || this.systemSamples.length > 0) &&
      (Date.now() - this.lastBatchAt >= CAPTURE_INTERVAL_MS ||
        this.consoleLines.length >= MAX_CONSOLE_LINES_PER_BATCH)
    const hasData =
      rows.length > 0 ||
      this.rejected.length > 0 ||
      this.config !== undefined ||
      this.summaryOverrides !== undefined ||
      this.metrics.size > 0 ||
      this.metadata !== undefined ||
      this.preempting ||
      this.alerts.length > 0 ||
      captureDue
    if (!hasData && exit === undefined) return undefined
    this.rows = []
    if (this.options.wal === undefined) {
      this.options.encoder.encode(rows, this.options.summary)
      this.clearPending()
      return undefined
    }
    // Large backlogs go out as several batches, so no body approaches the server's size limit.
    let last: IngestBatch | undefined
    let from = 0
    do {
      const to = Math.min(rows.length, from + this.rowsPerBatch)
      const chunk = from === 0 && to === rows.length ? rows : rows.slice(from, to)
      const encoded = this.options.encoder.encode(chunk, this.options.summary)
      last = this.write(encoded, to >= rows.length ? exit : undefined)
      const width = encoded.history ? Object.keys(encoded.history.columns).length + 3 : 1
      this.rowsPerBatch = Math.max(1, Math.floor(MAX_POINTS_PER_BATCH / width))
      from = to
    } while (from < rows.length)
    return last
  }

  private write(
    encoded: ReturnType<HistoryEncoder['encode']>,
    exit: { state: TerminalState; exitCode: number } | undefined,
  ): IngestBatch {
    const batch: IngestBatch = { writerId: this.options.writerId, seq: ++this.seq }
    if (encoded.history) batch.history = encoded.history
    if (encoded.values) batch.values = encoded.values
    if (this.rejected.length > 0) batch.rejected = this.rejected
    if (this.config !== undefined) batch.config = this.config
    if (this.summaryOverrides !== undefined) batch.summary = this.summaryOverrides
    if (this.metrics.size > 0) batch.metrics = [...this.metrics.values()]
    if (this.metadata !== undefined) batch.metadata = this.metadata
    if (this.preempting) batch.preempting = true
    if (this.consoleLines.length > 0) batch.console = this.consoleLines
    if (this.systemSamples.length > 0) batch.system = this.systemSamples
    if (this.alerts.length > 0) batch.alerts = this.alerts
    if (exit !== undefined) batch.exit = exit
    this.clearPending()
    const body = encodeBatch(batch)
    const at = this.options.wal!.append(body)
    this.lastBatchAt = Date.now()
    this.options.uploader?.enqueue(batch.seq, at.offset, at.length, body)
    return batch
  }

  private clearPending() {
    this.rejected = []
    this.config = undefined
    this.summaryOverrides = undefined
    this.metrics = new Map()
    this.metadata = undefined
    this.preempting = false
    this.consoleLines = []
    this.systemSamples = []
    this.alerts = []
  }
}

/**
 * The history columns are already wire-encoded (NaN/±Infinity as strings), so they go through
 * the plain, fast `JSON.stringify`; only the rest (values, config, summary) needs the replacer.
 */
export function encodeBatch(batch: IngestBatch): string {
  // Console lines and system samples (finite numbers only) need no replacer either.
  const { history, console: lines, system, ...rest } = batch
  let json = toWireJson(rest)
  const append = (key: string, value: unknown) =>
    (json = `${json.slice(0, -1)},"${key}":${JSON.stringify(value)}}`)
  if (history !== undefined) append('history', history)
  if (lines !== undefined) append('console', lines)
  if (system !== undefined) append('system', system)
  return json
}
