import { StemmaError, type IngestBatch } from '@stemma/core'
import type { StoreContext } from '../context.js'
import type {
  BatchContent,
  BucketsQuery,
  BucketsResult,
  HistoryQuery,
  HistoryRepository,
  HistoryRows,
  IngestOutcome,
  KeyInfo,
  LineCounts,
  RunRecord,
  RunRef,
} from '../ports.js'
import { loadView, requireRow, requireWritable } from '../runs/run-rows.js'
import { viewBuckets } from './buckets.js'
import { applyUnsequenced, ingestBatch } from './ingest.js'
import { readView, ROW_KEY, RUNTIME_KEY } from './read.js'
import { partRanges } from './view-ranges.js'
import { viewValueCounts } from './view-values.js'

const HIDDEN_KEYS = new Set([ROW_KEY, RUNTIME_KEY])

export class SqlHistoryRepository implements HistoryRepository {
  constructor(private readonly ctx: StoreContext) {}

  async ingest(ref: RunRef, batch: IngestBatch, now: number): Promise<IngestOutcome> {
    return ingestBatch(this.ctx, ref, batch, now)
  }

  async apply(ref: RunRef, content: BatchContent, now: number): Promise<RunRecord> {
    return applyUnsequenced(this.ctx, ref, content, now)
  }

  async lineCounts(ref: RunRef): Promise<LineCounts> {
    return this.ctx.tx(async ({ db: tx, stats }) => {
      const row = await requireWritable(tx, ref)
      const view = await loadView(tx, row.pk)
      const tail = view[view.length - 1]!.segmentId
      const events = await tx.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM system_samples WHERE segment_id = ?',
        tail,
      )
      const console = await tx.get<{ n: number; next: number | null }>(
        'SELECT COUNT(*) AS n, MAX(line_no) + 1 AS next FROM console_lines WHERE segment_id = ?',
        tail,
      )
      return {
        // A refused row (behind the run's step) took a line too.
        history: ((await stats.load(row.pk)).get(ROW_KEY)?.count ?? 0) + row.rejected_count,
        events: Number(events?.n ?? 0),
        console: Math.max(Number(console?.n ?? 0), Number(console?.next ?? 0)),
      }
    })
  }

  async read(ref: RunRef, query: HistoryQuery): Promise<HistoryRows> {
    // One snapshot: a writer merging or dropping chunks meanwhile must not cut the read.
    return this.ctx.snapshot(async ({ db, chunks, segments, stats }) => {
      const row = await requireRow(db, ref)
      const view = await loadView(db, row.pk)
      const scalarKeys = [...(await stats.load(row.pk)).keys()].filter((k) => !HIDDEN_KEYS.has(k))
      const wanted = query.keys ? new Set(query.keys) : undefined
      const columns = wanted ? scalarKeys.filter((k) => wanted.has(k)).sort() : scalarKeys.sort()
      return readView(db, chunks, segments, view, query, columns, wanted)
    })
  }

  async buckets(ref: RunRef, query: BucketsQuery): Promise<BucketsResult> {
    // One snapshot: a writer merging or dropping chunks meanwhile must not cut the read.
    return this.ctx.snapshot(async ({ db, chunks }) => {
      const row = await requireRow(db, ref)
      const minStep = query.minStep ?? 0
      const maxStep = query.maxStep ?? Math.max(minStep, row.last_step ?? minStep)
      const m4 = await viewBuckets(
        chunks,
        await loadView(db, row.pk),
        query.key,
        minStep,
        maxStep,
        query.buckets,
      )
      return { ...m4, minStep, maxStep }
    })
  }

  async keys(ref: RunRef): Promise<KeyInfo[]> {
    const { db, stats } = this.ctx
    const row = await requireRow(db, ref)
    const out: KeyInfo[] = []
    for (const [key, s] of await stats.load(row.pk)) {
      if (!HIDDEN_KEYS.has(key)) out.push({ key, kind: 'scalar', count: s.count, last: s.last })
    }
    for (const [key, count] of await viewValueCounts(db, await loadView(db, row.pk)))
      out.push({ key, kind: 'value', count })
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind < b.kind ? -1 : 1))
  }

  async stepForMetricValue(ref: RunRef, metric: string, value: number): Promise<number> {
    // One snapshot: a writer merging or dropping chunks meanwhile must not cut the read.
    return this.ctx.snapshot(async ({ db, chunks }) => {
      const row = await requireRow(db, ref)
      if (metric === '_step') return value
      let found: number | undefined
      let prev = -Infinity
      let seen = false
      for (const { segmentId, lo, hi } of partRanges(await loadView(db, row.pk))) {
        const sid = await chunks.seriesId(segmentId, metric)
        if (sid === undefined) continue
        const pts = await chunks.range(sid, lo, hi)
        for (let i = 0; i < pts.steps.length; i++) {
          const v = pts.values[i]!
          seen = true
          if (!(v >= prev)) {
            throw new StemmaError(
              'STEP_NOT_MONOTONIC',
              `${metric} is not monotonic in run ${ref.runId} (it goes from ${prev} to ${v} at step ${pts.steps[i]}); fork or rewind at a _step instead.`,
            )
          }
          prev = v
          if (v <= value) found = pts.steps[i]!
        }
      }
      if (!seen) throw new StemmaError('INVALID_LINEAGE_SPEC', `Run ${ref.runId} has no values of ${metric}.`)
      if (found === undefined) {
        throw new StemmaError('INVALID_STEP', `Run ${ref.runId} has no step where ${metric} ≤ ${value}.`)
      }
      return found
    })
  }
}
