import {
  MAX_BUCKETS,
  StemmaError,
  encodeNumber,
  type BucketsResponse,
  type ConsoleLine,
  type HistoryResponse,
  type LineageResponse,
  type RunAlert,
  type RunDto,
  type SystemSample,
  type WireNumber,
  type WireRejectedRow,
} from '@stemma/core'
import type { ApiKeyOwner, HistoryQuery, KeyInfo, RunRef } from '@stemma/store'
import type { ServiceContext } from './context.js'
import { iso, toRunDto } from './dto.js'
import { assertEntityAccess } from '../auth/access.js'
import { loadRun, runNotFound, type RunTarget } from './targets.js'

export const DEFAULT_HISTORY_LIMIT = 100_000
export const MAX_HISTORY_LIMIT = 1_000_000
export const DEFAULT_BUCKETS = 1000
export const MAX_BUCKET_COUNT = MAX_BUCKETS
export const DEFAULT_LOG_LIMIT = 10_000
export const MAX_LOG_LIMIT = 100_000

/** Which run segments each history row came from: lineage views merge a run's ancestors. */
export interface HistoryWithSources extends HistoryResponse {
  sourceRunIds: string[]
}

/**
 * The ref the store reads through. An archived state is addressed by its index beside the
 * live run's path, so reads of archives go through the same port methods.
 */
function readRef(target: RunTarget): RunRef {
  return target.archive === null ? target.ref : { ...target.ref, archive: target.archive }
}

/**
 * A store read of the addressed run that finds the run itself. Loading the live run first as
 * well would cost two more statements per request, which on PostgreSQL are two more round
 * trips on every chart. An archive is still loaded first: its 404 says how many there are.
 */
async function readOfRun<T>(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  read: (ref: RunRef) => Promise<T>,
): Promise<T> {
  if (target.archive !== null) {
    await loadRun(ctx, viewer, target)
    return read(readRef(target))
  }
  assertEntityAccess(viewer, target.ref.entity)
  try {
    return await read(target.ref)
  } catch (err) {
    // The same 404 as every other read of a run that does not exist.
    if (err instanceof StemmaError && err.code === 'RUN_NOT_FOUND') throw runNotFound(target.ref)
    throw err
  }
}

export async function readHistory(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  query: HistoryQuery,
): Promise<HistoryWithSources> {
  const rows = await readOfRun(ctx, viewer, target, (ref) =>
    ctx.store.history.read(ref, { limit: DEFAULT_HISTORY_LIMIT, ...query }),
  )
  const columns: Record<string, (WireNumber | null)[]> = {}
  for (const [key, column] of Object.entries(rows.columns)) columns[key] = encodeColumn(column)
  return {
    steps: rows.steps,
    runtime: rows.runtime,
    timestamp: rows.timestamp,
    columns,
    values: rows.values,
    sourceRunIds: rows.sourceRunIds,
  }
}

export async function readBuckets(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  query: { key: string; minStep?: number; maxStep?: number; buckets?: number },
): Promise<BucketsResponse> {
  const buckets = query.buckets ?? DEFAULT_BUCKETS
  const result = await readOfRun(ctx, viewer, target, (ref) =>
    ctx.store.history.buckets(ref, { ...query, buckets }),
  )
  return {
    key: query.key,
    minStep: result.minStep,
    maxStep: result.maxStep,
    buckets,
    data: {
      step: result.step,
      lastStep: result.lastStep,
      count: result.count,
      first: result.first.map(encodeNumber),
      min: result.min.map(encodeNumber),
      max: result.max.map(encodeNumber),
      last: result.last.map(encodeNumber),
    },
  }
}

export async function readKeys(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<{ keys: KeyInfo[] }> {
  return { keys: await readOfRun(ctx, viewer, target, (ref) => ctx.store.history.keys(ref)) }
}

export async function readSummary(ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget) {
  return (await loadRun(ctx, viewer, target)).summary
}

export async function readConfig(ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget) {
  return (await loadRun(ctx, viewer, target)).config
}

export async function readRejected(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  limit = DEFAULT_LOG_LIMIT,
): Promise<{ rows: WireRejectedRow[]; total: number }> {
  const run = await loadRun(ctx, viewer, target)
  return { rows: await ctx.store.runs.rejected(readRef(target), limit), total: run.rejectedCount }
}

export async function readConsole(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  limit = DEFAULT_LOG_LIMIT,
): Promise<{ lines: ConsoleLine[] }> {
  await loadRun(ctx, viewer, target)
  return { lines: await ctx.store.runs.console(readRef(target), limit) }
}

export async function readSystem(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  limit = DEFAULT_LOG_LIMIT,
): Promise<{ samples: SystemSample[] }> {
  await loadRun(ctx, viewer, target)
  return { samples: await ctx.store.runs.system(readRef(target), limit) }
}

export async function readAlerts(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  limit = DEFAULT_LOG_LIMIT,
): Promise<{ alerts: RunAlert[] }> {
  await loadRun(ctx, viewer, target)
  return { alerts: await ctx.store.runs.alerts(readRef(target), limit) }
}

export async function readLineage(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<LineageResponse> {
  await loadRun(ctx, viewer, target)
  const lineage = await ctx.store.runs.lineage(readRef(target))
  return {
    parent: lineage.parent,
    children: lineage.children.map((c) => ({ ...c, createdAt: iso(c.createdAt) })),
    rewinds: lineage.rewinds.map((r) => ({ ...r, at: iso(r.at) })),
    segments: lineage.segments,
  }
}

export async function readArchives(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<{ runs: RunDto[] }> {
  await loadRun(ctx, viewer, { ref: target.ref, archive: null })
  const archives = await ctx.store.runs.archives(target.ref)
  return { runs: archives.map((run) => toRunDto(ctx, run)) }
}

function encodeColumn(column: (number | null)[]): (WireNumber | null)[] {
  // Most columns are all finite: return them as they are and only copy when one is not.
  for (let i = 0; i < column.length; i++) {
    const v = column[i]
    if (v !== null && v !== undefined && !Number.isFinite(v)) {
      return column.map((x) => (x === null ? null : encodeNumber(x)))
    }
  }
  return column
}
