import {
  StemmaError,
  effectiveState,
  validateFilter,
  type HeartbeatResponse,
  type RunDto,
  type RunListResponse,
  type RunPatch,
} from '@stemma/core'
import type { ApiKeyOwner } from '@stemma/store'
import { assertEntityAccess } from '../auth/access.js'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from './context.js'
import { freeBlobs } from './files.js'
import { toRunDto } from './dto.js'
import { loadRun, requireWritable, runNotFound, type ProjectRef, type RunTarget } from './targets.js'

export const DEFAULT_LIST_LIMIT = 50
export const MAX_LIST_LIMIT = 1000
export const MAX_LIST_OFFSET = 10_000_000

export interface ListRunsInput {
  filter?: string
  order?: string
  limit?: number
  cursor?: string
  /** Rows to skip when there is no cursor. */
  offset?: number
}

export async function getRun(ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget): Promise<RunDto> {
  return toRunDto(ctx, await loadRun(ctx, viewer, target))
}

export async function listRuns(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  project: ProjectRef,
  input: ListRunsInput,
): Promise<RunListResponse> {
  assertEntityAccess(viewer, project.entity)
  const offset = input.cursor === undefined ? (input.offset ?? 0) : decodeCursor(input.cursor)
  const limit = input.limit ?? DEFAULT_LIST_LIMIT
  const { runs, total } = await ctx.store.runs.list({
    ...project,
    ...(input.filter !== undefined && { filter: validateFilter(parseFilterJson(input.filter)) }),
    ...(input.order !== undefined && { order: input.order }),
    limit,
    offset,
    now: ctx.now(),
  })
  const next = offset + runs.length
  return {
    runs: runs.map((run) => toRunDto(ctx, run)),
    total,
    nextCursor: runs.length > 0 && next < total ? encodeCursor(next) : null,
  }
}

export async function patchRun(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  patch: RunPatch,
): Promise<RunDto> {
  const ref = await requireWritable(ctx, viewer, target)
  return toRunDto(ctx, await ctx.store.runs.patch(ref, patch))
}

export async function deleteRun(ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget): Promise<void> {
  const ref = await requireWritable(ctx, viewer, target)
  const contents = ctx.blobs === undefined ? [] : (await ctx.store.files.list(ref)).map((f) => f.sha256)
  await ctx.store.runs.delete(ref)
  if (contents.length > 0) freeBlobs(ctx, await ctx.store.files.collect(contents))
}

/**
 * Stops a run. A live process learns it from its next batch or heartbeat and finishes as
 * `killed`; a run whose process is gone (crashed, preempted) has nobody to tell, so it becomes
 * `killed` at once; a run that already ended stays as it is.
 */
export async function stopRun(ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget): Promise<RunDto> {
  const ref = await requireWritable(ctx, viewer, target)
  const run = await ctx.store.runs.get(ref)
  if (run === null) throw runNotFound(ref)
  const now = ctx.now()
  switch (effectiveState(run.state, run.heartbeatAt, run.heartbeatTimeoutS * 1000, now)) {
    case 'running':
    case 'preempting': {
      const stopping = await ctx.store.runs.setState(ref, { stopRequested: true })
      // Pushed to subscribers on every replica (SSE), so an idle process need not wait for a heartbeat.
      ctx.events.publish(runEvent('stop', stopping, now))
      return toRunDto(ctx, stopping)
    }
    case 'crashed':
    case 'preempted': {
      const killed = await ctx.store.runs.setState(ref, { state: 'killed', finishedAt: now })
      ctx.events.publish(runEvent('state', killed, now))
      return toRunDto(ctx, killed)
    }
    default:
      return toRunDto(ctx, run)
  }
}

export async function heartbeat(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<HeartbeatResponse> {
  const ref = await requireWritable(ctx, viewer, target)
  const now = ctx.now()
  const run = await ctx.store.runs.setState(ref, { heartbeatAt: now })
  return {
    control: { stopRequested: run.stopRequested },
    state: effectiveState(run.state, run.heartbeatAt, run.heartbeatTimeoutS * 1000, now),
  }
}

function parseFilterJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new StemmaError('VALIDATION_FAILED', 'filter must be a JSON object, e.g. {"state":"finished"}.')
  }
}

// Cursors are opaque to clients so the paging scheme can change (e.g. to keyset) without breaking them.
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url')
}

export function decodeCursor(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    const offset = (parsed as { o?: unknown }).o
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through to the error below
  }
  throw new StemmaError('VALIDATION_FAILED', 'cursor is not one this server issued; start again without it.')
}
