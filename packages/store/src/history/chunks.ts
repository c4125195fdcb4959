import type { SeriesStats } from '@stemma/core'
import type { Executor } from '../sql/executor.js'
import { statsFromColumns, type StatsColumns } from '../sql/stats-columns.js'
import {
  CHUNK_POINTS,
  decodeFloats,
  decodeLod,
  decodeSteps,
  encodeChunk,
  LOD_BLOCK,
  LOD_FIELDS,
  LOD_HEADER_BYTES,
  type LodBlocks,
  type Points,
} from './codec.js'

/** At most this many small (not yet full) chunks at a series' tail before they are merged. */
const MAX_TAIL_CHUNKS = 48

/** A series and its not-yet-full tail chunks, which the next appends may merge. */
export interface SeriesTail {
  id: number
  /** Trailing chunks with fewer than CHUNK_POINTS points. */
  chunks: number
  points: number
}

/** Points [start, start + n) of a chunk: the slice of one or a few LOD blocks. */
export interface SliceRead {
  chunkId: number
  start: number
  n: number
  /** Step of the slice's first point, and the byte offset of its step delta (from the LOD). */
  firstStep: number
  byteOffset: number
}

/**
 * The raw bytes of a slice: its values, and the chunk's step blob to decode its steps from (with
 * the read's `firstStep` and `byteOffset`) into a buffer the reader reuses, since charts read
 * thousands of small slices.
 */
export interface RawSlice {
  steps: Uint8Array | null
  values: Float64Array
}

/** A chunk's step blob and its values as float64. */
interface ChunkBlobs {
  steps: Buffer | null
  values: Float64Array
}

/** A chunk's LOD blocks to read: of a blob laid out in columns, only the leading `columns`. */
export interface LodRead {
  chunkId: number
  columns: number
}

interface LodRow {
  id: number
  count: number
  lod_blob: Buffer | null
}

/**
 * A chunk's LOD blob, or only its leading `columns` (an SQL expression) when it is laid out in
 * columns: those blobs are a header longer than a multiple of a block's record, and their length
 * is known without reading them. `c` qualifies the chunk's columns.
 */
function lodBlobColumns(columns: string, c = ''): string {
  const blocks = `((${c}count + ${LOD_BLOCK - 1}) / ${LOD_BLOCK})`
  return `CASE WHEN length(${c}lod_blob) % ${LOD_FIELDS * 8} = ${LOD_HEADER_BYTES}
    THEN substr(${c}lod_blob, 1, CAST(${LOD_HEADER_BYTES} + ${columns} * 8 * ${blocks} AS INT))
    ELSE ${c}lod_blob END`
}

/** Above this many slices of one chunk, one read of the whole value blob beats a read per slice. */
const SLICE_LIMIT = 2

/** A chunk's aggregate columns: enough to answer summaries and coarse charts without its blobs. */
export interface ChunkMeta {
  id: number
  stats: SeriesStats
}

interface ChunkRow extends StatsColumns {
  id: number
}

const META_COLUMNS = 'id, first_step, last_step, count, finite_count, sum, min, max, first, last'

function toMeta(r: ChunkRow): ChunkMeta {
  return {
    id: r.id,
    stats: statsFromColumns(r),
  }
}

/** Chunk storage of scalar series: `(segment, key)` → ordered, non-overlapping chunks. */
export class ChunkStore {
  constructor(private readonly db: Executor) {}

  async seriesId(segmentId: number, key: string): Promise<number | undefined> {
    return (
      await this.db.get<{ id: number }>(
        'SELECT id FROM series WHERE segment_id = ? AND key = ?',
        segmentId,
        key,
      )
    )?.id
  }

  async ensureSeries(segmentId: number, key: string): Promise<SeriesTail> {
    const found = await this.db.get<{ id: number; tail_chunks: number; tail_points: number }>(
      'SELECT id, tail_chunks, tail_points FROM series WHERE segment_id = ? AND key = ?',
      segmentId,
      key,
    )
    if (found) return { id: found.id, chunks: found.tail_chunks, points: found.tail_points }
    const row = await this.db.get<{ id: number }>(
      'INSERT INTO series (segment_id, key) VALUES (?, ?) RETURNING id',
      segmentId,
      key,
    )
    return { id: row!.id, chunks: 0, points: 0 }
  }

  /**
   * Appends points after the series' last step. A small batch becomes a small chunk of its own,
   * so a commit writes only the new points; once the small chunks at the tail add up to a full
   * chunk (or become too many) they are merged into full chunks, each point being rewritten about
   * once. Rewriting the tail chunk on every batch instead made small batches cost O(chunk size).
   */
  async append(series: SeriesTail, steps: ArrayLike<number>, values: ArrayLike<number>): Promise<void> {
    const n = steps.length
    if (n === 0) return
    let tail = { chunks: series.chunks + 1, points: series.points + n }
    if (tail.points >= CHUNK_POINTS || tail.chunks > MAX_TAIL_CHUNKS) {
      const small = await this.db.all<{ id: number; first_step: number; count: number }>(
        'SELECT id, first_step, count FROM chunks WHERE series_id = ? ORDER BY first_step DESC LIMIT ?',
        series.id,
        series.chunks,
      )
      const total = small.reduce((sum, c) => sum + c.count, 0) + n
      const allSteps = new Float64Array(total)
      const allValues = new Float64Array(total)
      let o = 0
      for (const c of small.reverse()) {
        const p = await this.points(c.id, c.first_step, c.count)
        allSteps.set(p.steps, o)
        allValues.set(p.values, o)
        o += c.count
        await this.db.run('DELETE FROM chunks WHERE id = ?', c.id)
      }
      for (let i = 0; i < n; i++) {
        allSteps[o + i] = steps[i]!
        allValues[o + i] = values[i]!
      }
      await this.write(series.id, allSteps, allValues)
      const rest = total % CHUNK_POINTS
      tail = { chunks: rest > 0 ? 1 : 0, points: rest }
    } else {
      await this.write(series.id, steps, values)
    }
    await this.db.run(
      'UPDATE series SET tail_chunks = ?, tail_points = ? WHERE id = ?',
      tail.chunks,
      tail.points,
      series.id,
    )
    series.chunks = tail.chunks
    series.points = tail.points
  }

  private async write(seriesId: number, steps: ArrayLike<number>, values: ArrayLike<number>): Promise<void> {
    let cum = await this.prefixBefore(seriesId)
    for (let from = 0; from < steps.length; from += CHUNK_POINTS) {
      const to = Math.min(steps.length, from + CHUNK_POINTS)
      const c = encodeChunk(steps, values, from, to)
      const s = c.stats
      if (cum) {
        cum = {
          count: cum.count + s.count,
          finite: cum.finite + s.finiteCount,
          sum: cum.sum + s.sum,
          min: Math.min(cum.min, s.min),
          max: Math.max(cum.max, s.max),
        }
      }
      await this.db.run(
        `INSERT INTO chunks (series_id, first_step, last_step, count, finite_count, sum, min, max, first, last,
           steps_blob, values_blob, lod_blob, cum_count, cum_finite, cum_sum, cum_min, cum_max)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seriesId,
        s.firstStep,
        s.lastStep,
        s.count,
        s.finiteCount,
        s.sum,
        s.finiteCount > 0 ? s.min : null,
        s.finiteCount > 0 ? s.max : null,
        s.first,
        s.last,
        c.steps,
        c.values,
        c.lod,
        cum?.count ?? null,
        cum?.finite ?? null,
        cum?.sum ?? null,
        cum && cum.finite > 0 ? cum.min : null,
        cum && cum.finite > 0 ? cum.max : null,
      )
    }
  }

  /** Running aggregates up to the series' last chunk; null when that chunk predates them. */
  private async prefixBefore(
    seriesId: number,
  ): Promise<{ count: number; finite: number; sum: number; min: number; max: number } | null> {
    const last = await this.db.get<{
      cum_count: number | null
      cum_finite: number | null
      cum_sum: number | null
      cum_min: number | null
      cum_max: number | null
    }>(
      'SELECT cum_count, cum_finite, cum_sum, cum_min, cum_max FROM chunks WHERE series_id = ? ORDER BY first_step DESC LIMIT 1',
      seriesId,
    )
    if (!last) return { count: 0, finite: 0, sum: 0, min: Infinity, max: -Infinity }
    if (last.cum_count === null || last.cum_finite === null) return null
    return {
      count: last.cum_count,
      finite: last.cum_finite,
      // A NaN sum (∞ − ∞) is stored as NULL.
      sum: last.cum_sum ?? (last.cum_finite > 0 ? NaN : 0),
      min: last.cum_min ?? Infinity,
      max: last.cum_max ?? -Infinity,
    }
  }

  /** Chunks that hold any point in [lo, hi], in step order, without their blobs. */
  async chunksIn(seriesId: number, lo: number, hi: number): Promise<ChunkMeta[]> {
    // Start at the chunk holding `lo` (chunks never overlap), so a zoomed-in read skips the rest.
    const rows = await this.db.all<ChunkRow>(
      `SELECT ${META_COLUMNS} FROM chunks
       WHERE series_id = ? AND first_step <= ?
         AND first_step >= coalesce((SELECT max(first_step) FROM chunks WHERE series_id = ? AND first_step <= ?), ?)
       ORDER BY first_step`,
      seriesId,
      hi,
      seriesId,
      lo,
      lo,
    )
    const out: ChunkMeta[] = []
    for (const r of rows) if (r.last_step >= lo) out.push(toMeta(r))
    return out
  }

  async lod(chunkId: number): Promise<LodBlocks | null> {
    return (await this.lods([{ chunkId, columns: LOD_FIELDS }])).get(chunkId) ?? null
  }

  /** The LOD blocks of several chunks (null for a chunk without them), in one statement. */
  async lods(reads: readonly LodRead[]): Promise<Map<number, LodBlocks | null>> {
    const out = new Map<number, LodBlocks | null>()
    if (reads.length === 0) return out
    const rows = this.db.dialect.integerRows(['id', 'columns'])
    const found = await this.db.all<LodRow>(
      `SELECT c.id AS id, c.count AS count, ${lodBlobColumns('s.columns', 'c.')} AS lod_blob
       FROM ${rows.source} JOIN chunks c ON c.id = s.id`,
      ...rows.bind(reads.map((r) => [r.chunkId, r.columns])),
    )
    for (const r of found) out.set(r.id, r.lod_blob ? decodeLod(r.lod_blob, r.count) : null)
    return out
  }

  /**
   * The raw bytes of several slices, in the order asked, in at most two statements: one for the
   * chunks read in many slices (a zoomed-in chart) where the database would load a whole blob to
   * cut each slice (`sliceLoadsWholeBlob`), whose value blobs are then read whole, and one for
   * the other slices.
   */
  async slices(reads: readonly SliceRead[]): Promise<RawSlice[]> {
    const perChunk = new Map<number, number>()
    // Where a slice costs only its bytes, every slice is read as one (1 M-step charts on
    // PostgreSQL read 4 slices a chunk: whole blobs made them 3× slower).
    if (this.db.dialect.sliceLoadsWholeBlob)
      for (const r of reads) perChunk.set(r.chunkId, (perChunk.get(r.chunkId) ?? 0) + 1)
    const wholeIds = [...perChunk].filter(([, n]) => n > SLICE_LIMIT).map(([id]) => id)
    const cut = reads.flatMap((r, i) => ((perChunk.get(r.chunkId) ?? 0) > SLICE_LIMIT ? [] : [{ r, i }]))
    const [whole, sliced] = await Promise.all([
      this.wholeBlobs(wholeIds),
      this.sliceRows(cut.map((c) => c.r)),
    ])
    const out = new Array<RawSlice>(reads.length)
    cut.forEach(({ i }, k) => (out[i] = sliced[k]!))
    reads.forEach((r, i) => {
      const blobs = whole.get(r.chunkId)
      if (blobs) out[i] = { steps: blobs.steps, values: blobs.values.subarray(r.start, r.start + r.n) }
    })
    return out
  }

  private async sliceRows(reads: readonly SliceRead[]): Promise<RawSlice[]> {
    if (reads.length === 0) return []
    const rows = this.db.dialect.integerRows(['i', 'id', 'o', 'n'])
    const found = await this.db.all<{ i: number; v: Buffer; steps_blob: Buffer | null }>(
      `SELECT s.i AS i, substr(c.values_blob, CAST(s.o AS INT), CAST(s.n AS INT)) AS v, c.steps_blob AS steps_blob
       FROM ${rows.source} JOIN chunks c ON c.id = s.id`,
      ...rows.bind(reads.map((r, i) => [i, r.chunkId, r.start * 8 + 1, r.n * 8])),
    )
    if (found.length < reads.length) throw new Error('a chunk vanished while its slices were read')
    const out = new Array<RawSlice>(reads.length)
    for (const row of found) out[row.i] = { steps: row.steps_blob, values: decodeFloats(row.v) }
    return out
  }

  private async wholeBlobs(ids: readonly number[]): Promise<Map<number, ChunkBlobs>> {
    const out = new Map<number, ChunkBlobs>()
    if (ids.length === 0) return out
    const rows = this.db.dialect.integerRows(['id'])
    const found = await this.db.all<{ id: number; steps_blob: Buffer | null; values_blob: Buffer }>(
      `SELECT c.id AS id, c.steps_blob AS steps_blob, c.values_blob AS values_blob
       FROM ${rows.source} JOIN chunks c ON c.id = s.id`,
      ...rows.bind(ids.map((id) => [id])),
    )
    if (found.length < ids.length) throw new Error('a chunk vanished while its blobs were read')
    for (const r of found) out.set(r.id, { steps: r.steps_blob, values: decodeFloats(r.values_blob) })
    return out
  }

  /** Points [start, start + n) of a chunk, reading only their slice of the value blob. */
  async slice(
    chunkId: number,
    start: number,
    n: number,
    firstStep: number,
    byteOffset: number,
  ): Promise<Points> {
    const raw = await this.rawSlice(chunkId, start, n)
    return { steps: decodeSteps(raw.steps, firstStep, n, byteOffset), values: raw.values }
  }

  private async rawSlice(chunkId: number, start: number, n: number): Promise<RawSlice> {
    const row = await this.db.get<{ v: Buffer; steps_blob: Buffer | null }>(
      'SELECT substr(values_blob, ?, ?) AS v, steps_blob FROM chunks WHERE id = ?',
      start * 8 + 1,
      n * 8,
      chunkId,
    )
    if (!row) throw new Error(`chunk ${chunkId} vanished`)
    return { steps: row.steps_blob, values: decodeFloats(row.v) }
  }

  /** Raw step and value blobs, values as float64. */
  async blobs(chunkId: number): Promise<ChunkBlobs> {
    const row = await this.db.get<{ steps_blob: Buffer | null; values_blob: Buffer }>(
      'SELECT steps_blob, values_blob FROM chunks WHERE id = ?',
      chunkId,
    )
    if (!row) throw new Error(`chunk ${chunkId} vanished`)
    return { steps: row.steps_blob, values: decodeFloats(row.values_blob) }
  }

  async points(chunkId: number, firstStep: number, count: number): Promise<Points> {
    const b = await this.blobs(chunkId)
    return { steps: decodeSteps(b.steps, firstStep, count), values: b.values }
  }

  /** All points of a series in [lo, hi], in step order. */
  async range(seriesId: number, lo: number, hi: number): Promise<Points> {
    const parts: Points[] = []
    let n = 0
    for (const c of await this.chunksIn(seriesId, lo, hi)) {
      const p = await this.points(c.id, c.stats.firstStep, c.stats.count)
      let a = 0
      let b = p.steps.length
      while (a < b && p.steps[a]! < lo) a++
      while (b > a && p.steps[b - 1]! > hi) b--
      parts.push({ steps: p.steps.subarray(a, b), values: p.values.subarray(a, b) })
      n += b - a
    }
    if (parts.length === 1) return parts[0]!
    const out = { steps: new Float64Array(n), values: new Float64Array(n) }
    let o = 0
    for (const p of parts) {
      out.steps.set(p.steps, o)
      out.values.set(p.values, o)
      o += p.steps.length
    }
    return out
  }
}
