import type { ControlSignals, IngestResponse, StemmaError } from '@stemma/core'
import type { RetryingTransport } from './retrying-transport.js'
import type { Warn } from './settings.js'
import type { WalWriter } from './wal.js'

interface Entry {
  seq: number
  offset: number
  length: number
  /** Dropped once too many unacknowledged bytes are in memory; re-read from the write-ahead file then. */
  body: string | undefined
}

export interface UploaderOptions {
  transport: RetryingTransport
  /** `/api/v1/runs/:entity/:project/:runId/batches` */
  path: string
  wal: WalWriter
  maxUnackedBytes: number
  warn: Warn
  onControl: (control: ControlSignals) => void
  /** Told once when a batch is refused for good; the data stays in the write-ahead file. */
  syncHint: string
}

export type DrainResult = 'done' | 'failed' | 'timeout'

/**
 * Sends the run's batches one at a time, in sequence order, through the retrying transport.
 * Memory is bounded: past `maxUnackedBytes` the write-ahead file is the buffer.
 */
export class Uploader {
  private readonly queue: Entry[] = []
  /**
   * Where each batch this uploader queued lies in the write-ahead file, by seq, for re-sending after
   * a SEQUENCE_GAP. Kept for the whole run, so it is packed: 12 bytes a batch (24 at most while the
   * arrays double) instead of a map entry's ~70; at 10 batches a second for a week, ~70-150 MB
   * instead of ~420 MB.
   */
  private readonly index = new FrameIndex()
  private bytesInMemory = 0
  private running = false
  private stopped = false
  private outageWarned = false
  private waiters: Array<() => void> = []
  failure: StemmaError | undefined
  lastAckAt = 0
  ackedSeq = 0

  constructor(private readonly options: UploaderOptions) {}

  get pending(): number {
    return this.queue.length
  }

  enqueue(seq: number, offset: number, length: number, body: string): void {
    this.index.set(seq, offset, length)
    const keep = this.bytesInMemory + body.length <= this.options.maxUnackedBytes
    if (keep) this.bytesInMemory += body.length
    this.queue.push({ seq, offset, length, body: keep ? body : undefined })
    void this.pump()
  }

  /** Resolves once the queue is empty, a batch was refused for good, or `timeoutMs` passed (0: no limit). */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const settled = () => this.failure !== undefined || this.queue.length === 0
    if (!settled()) {
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined
        const done = () => {
          if (timer) clearTimeout(timer)
          resolve()
        }
        this.waiters.push(() => {
          if (settled()) done()
          else this.waiters.push(done)
        })
        if (timeoutMs > 0) timer = setTimeout(done, timeoutMs)
      })
    }
    if (this.failure !== undefined) return 'failed'
    return this.queue.length === 0 ? 'done' : 'timeout'
  }

  /** Stops retrying (the data stays in the write-ahead file). */
  stop(): void {
    this.stopped = true
  }

  private async pump(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length > 0 && this.failure === undefined && !this.stopped) {
        const entry = this.queue[0]!
        const body = entry.body ?? this.options.wal.readAt(entry.offset, entry.length)
        const outcome = await this.options.transport.send<IngestResponse>(
          { method: 'POST', path: this.options.path, body },
          {
            cancelled: () => this.stopped,
            onRetry: (o, _attempt, waitMs) => {
              if (this.outageWarned) return
              this.outageWarned = true
              this.options.warn(
                `upload failed (${o.error.message}); retrying in ${(waitMs / 1000).toFixed(1)} s. Nothing is lost: every batch is in the write-ahead file.`,
              )
            },
          },
        )
        if (outcome.kind === 'success') {
          this.queue.shift()
          if (entry.body !== undefined) this.bytesInMemory -= entry.body.length
          this.lastAckAt = Date.now()
          this.ackedSeq = Math.max(this.ackedSeq, entry.seq)
          this.outageWarned = false
          if (outcome.body?.control) this.options.onControl(outcome.body.control)
        } else if (outcome.kind === 'failure') {
          if (!this.resendFromGap(entry.seq, outcome.error)) {
            this.failure = outcome.error
            this.options.warn(
              `the server refused batch ${entry.seq}: ${outcome.error.message} Uploading stopped; the data is kept in the write-ahead file — ${this.options.syncHint}`,
            )
          }
        } else break
      }
    } finally {
      this.running = false
      const waiters = this.waiters
      this.waiters = []
      for (const wake of waiters) wake()
    }
  }

  /** A SEQUENCE_GAP names the first batch the server lacks; re-send from there when the file has it. */
  private resendFromGap(seq: number, error: StemmaError): boolean {
    if (error.code !== 'SEQUENCE_GAP') return false
    const expected = Number(error.details?.expectedSeq)
    if (!Number.isInteger(expected) || expected >= seq || expected < 1) return false
    const missing: Entry[] = []
    for (let s = expected; s < seq; s++) {
      const at = this.index.get(s)
      if (at === undefined) return false
      missing.push({ seq: s, offset: at.offset, length: at.length, body: undefined })
    }
    this.queue.unshift(...missing)
    return true
  }
}

/** seq → (offset, length) in two growable typed arrays; seqs of one writer are 1, 2, 3, … */
class FrameIndex {
  private offsets = new Float64Array(1024)
  private lengths = new Uint32Array(1024)

  set(seq: number, offset: number, length: number): void {
    if (seq < 1) return
    if (seq > this.offsets.length) {
      let size = this.offsets.length
      while (size < seq) size *= 2
      const offsets = new Float64Array(size)
      offsets.set(this.offsets)
      const lengths = new Uint32Array(size)
      lengths.set(this.lengths)
      this.offsets = offsets
      this.lengths = lengths
    }
    this.offsets[seq - 1] = offset
    this.lengths[seq - 1] = length
  }

  get(seq: number): { offset: number; length: number } | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.offsets.length) return undefined
    const length = this.lengths[seq - 1]!
    // Every frame has an 8-byte header, so a zero length is a seq never queued.
    return length === 0 ? undefined : { offset: this.offsets[seq - 1]!, length }
  }
}
