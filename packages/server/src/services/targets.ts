import { StemmaError, parseEntityOrProject, parseRunId } from '@stemma/core'
import type { ApiKeyOwner, RunRecord, RunRef } from '@stemma/store'
import { assertEntityAccess } from '../auth/access.js'
import type { ServiceContext } from './context.js'

/** A run addressed by a request: the live run, or one of its archived (pre-rewind) states. */
export interface RunTarget {
  ref: RunRef
  /** Index into the run's archives, oldest first; null for the live run. */
  archive: number | null
}

export interface RunParams {
  entity: string
  project: string
  runId: string
}

export interface ProjectRef {
  entity: string
  project: string
}

/** Path parameters are validated before anything uses them; they never reach a filesystem path. */
export function parseProject(params: { entity: string; project: string }): ProjectRef {
  return {
    entity: parseEntityOrProject('entity', params.entity),
    project: parseEntityOrProject('project', params.project),
  }
}

export function parseRunTarget(params: RunParams, archive?: string | number): RunTarget {
  const { entity, project } = parseProject(params)
  return { ref: { entity, project, runId: parseRunId(params.runId) }, archive: parseArchive(archive) }
}

function parseArchive(value: string | number | undefined): number | null {
  if (value === undefined || value === '') return null
  const index = typeof value === 'number' ? value : /^\d{1,9}$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `archive must be a non-negative integer; got ${JSON.stringify(value)}.`,
    )
  }
  return index
}

export function describeRef(ref: RunRef): string {
  return `${ref.entity}/${ref.project}/${ref.runId}`
}

export function runNotFound(ref: RunRef): StemmaError {
  return new StemmaError('RUN_NOT_FOUND', `Run ${describeRef(ref)} not found.`, { ...ref })
}

/** Loads the addressed run (live or archived) after checking the viewer may see it. */
export async function loadRun(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<RunRecord> {
  assertEntityAccess(viewer, target.ref.entity)
  if (target.archive === null) {
    const run = await ctx.store.runs.get(target.ref)
    if (run === null) throw runNotFound(target.ref)
    return run
  }
  const archives = await ctx.store.runs.archives(target.ref)
  const archived = archives[target.archive]
  if (archived === undefined) {
    throw new StemmaError(
      'NOT_FOUND',
      `Run ${describeRef(target.ref)} has ${archives.length} archived state(s); archive ${target.archive} does not exist.`,
      { archive: target.archive },
    )
  }
  return archived
}

/**
 * For writes: archived runs are read-only history, so addressing one is refused (after checking
 * it exists, so a typo still reads as not found).
 */
export async function requireWritable(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<RunRef> {
  assertEntityAccess(viewer, target.ref.entity)
  if (target.archive !== null) {
    await loadRun(ctx, viewer, target)
    throw new StemmaError(
      'RUN_ARCHIVED',
      `Archive ${target.archive} of run ${describeRef(target.ref)} is read-only; write to the live run instead.`,
    )
  }
  return target.ref
}
