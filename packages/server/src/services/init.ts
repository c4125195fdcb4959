import {
  StemmaError,
  generateRunId,
  parseEntityOrProject,
  parseLineageSpec,
  parseRunId,
  type InitRequest,
  type InitResponse,
} from '@stemma/core'
import type { ApiKeyOwner, CreateRunInput, RunRecord, RunRef, Store } from '@stemma/store'
import { assertEntityAccess } from '../auth/access.js'
import { runEventOfDto } from '../events/run-event.js'
import type { ServiceContext } from './context.js'
import { toRunDto } from './dto.js'
import { describeRef, runNotFound } from './targets.js'
import { resolveLineagePoint } from './lineage-point.js'

export const DEFAULT_HEARTBEAT_TIMEOUT_S = 60

/**
 * `POST /runs`: create, resume, fork or rewind (DESIGN §4), as one store transaction: a resume or
 * rewind is several store calls (rewind, merge config, patch, state), and a failure between them
 * must leave none of them behind.
 */
export async function initRun(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  req: InitRequest,
): Promise<InitResponse> {
  const response = await ctx.store.transaction((tx) => {
    // Everything below talks to the transaction's repositories; a nested transaction is a savepoint.
    const store: Store = { ...ctx.store, ...tx, transaction: (fn) => fn(tx) }
    return initIn({ ...ctx, store }, viewer, req)
  })
  // After the commit: subscribers of a resumed or rewound run see it running (and its new history).
  ctx.events.publish(runEventOfDto('state', response.run, ctx.now()))
  return response
}

async function initIn(ctx: ServiceContext, viewer: ApiKeyOwner, req: InitRequest): Promise<InitResponse> {
  const entity = parseEntityOrProject('entity', req.entity ?? viewer.username)
  const project = parseEntityOrProject('project', req.project)
  assertEntityAccess(viewer, entity)
  if (req.forkFrom !== undefined && req.resumeFrom !== undefined) {
    throw new StemmaError('VALIDATION_FAILED', 'forkFrom and resumeFrom cannot be combined; pick one.')
  }
  if ((req.forkFrom !== undefined || req.resumeFrom !== undefined) && req.resume !== undefined) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `resume cannot be combined with ${req.forkFrom !== undefined ? 'forkFrom' : 'resumeFrom'}.`,
    )
  }
  if (req.forkFrom !== undefined) return fork(ctx, entity, project, req)
  if (req.resumeFrom !== undefined) return rewind(ctx, entity, project, req)

  if (req.resume === 'must' && req.id === undefined) {
    throw new StemmaError('VALIDATION_FAILED', "resume: 'must' needs the id of the run to continue.")
  }
  const runId = req.id !== undefined ? parseRunId(req.id) : generateRunId(ctx.random)
  const ref: RunRef = { entity, project, runId }
  const existing = await ctx.store.runs.get(ref)
  if (existing !== null) {
    if (req.resume === 'allow' || req.resume === 'must') return continueRun(ctx, ref, existing, req)
    throw new StemmaError(
      'RUN_EXISTS',
      `Run ${describeRef(ref)} already exists; pass resume: 'allow' or 'must' to continue it, or use a new id.`,
      { ...ref },
    )
  }
  if (req.resume === 'must') {
    throw new StemmaError(
      'RUN_NOT_FOUND',
      `resume: 'must' but run ${describeRef(ref)} does not exist; use resume: 'allow' to create it if missing.`,
      { ...ref },
    )
  }
  const run = await ctx.store.runs.create(createInput(ctx, ref, req))
  return { run: toRunDto(ctx, run), startingStep: 0, resumed: false }
}

async function fork(
  ctx: ServiceContext,
  entity: string,
  project: string,
  req: InitRequest,
): Promise<InitResponse> {
  const spec = parseLineageSpec(req.forkFrom, 'forkFrom')
  const sourceRef: RunRef = {
    entity,
    project,
    runId: spec.runId,
    ...(spec.archive !== undefined && { archive: spec.archive }),
  }
  const source = await ctx.store.runs.get(sourceRef)
  if (source === null) throw runNotFound(sourceRef)
  const step = await resolveLineagePoint(ctx, sourceRef, source, spec, 'forkFrom')
  const runId = req.id !== undefined ? parseRunId(req.id) : generateRunId(ctx.random)
  if (runId === spec.runId) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `A run cannot be forked into itself (${runId}); use resumeFrom to rewind it.`,
    )
  }
  const ref: RunRef = { entity, project, runId }
  if ((await ctx.store.runs.get(ref)) !== null) {
    throw new StemmaError('RUN_EXISTS', `Run ${describeRef(ref)} already exists; a fork needs a new id.`, {
      ...ref,
    })
  }
  const run = await ctx.store.runs.fork(sourceRef, step, createInput(ctx, ref, req))
  return { run: toRunDto(ctx, run), startingStep: step + 1, resumed: false }
}

async function rewind(
  ctx: ServiceContext,
  entity: string,
  project: string,
  req: InitRequest,
): Promise<InitResponse> {
  const spec = parseLineageSpec(req.resumeFrom, 'resumeFrom')
  if (req.id !== undefined && parseRunId(req.id) !== spec.runId) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `resumeFrom rewinds run ${spec.runId}; id ${req.id} must match it or be left out.`,
    )
  }
  const ref: RunRef = { entity, project, runId: spec.runId }
  const existing = await ctx.store.runs.get(ref)
  if (existing === null) throw runNotFound(ref)
  const step = await resolveLineagePoint(ctx, ref, existing, spec, 'resumeFrom')
  const rewound = await ctx.store.runs.rewind(ref, step, ctx.now())
  const response = await continueRun(ctx, ref, rewound, req)
  return { ...response, startingStep: step + 1 }
}

/** Resume: the same run goes on from its last step; new config merges over the old (top level). */
async function continueRun(
  ctx: ServiceContext,
  ref: RunRef,
  run: RunRecord,
  req: InitRequest,
): Promise<InitResponse> {
  if (req.config !== undefined && Object.keys(req.config).length > 0)
    await ctx.store.runs.mergeConfig(ref, req.config)
  const patch = {
    ...(req.name !== undefined && { name: req.name }),
    ...(req.notes !== undefined && { notes: req.notes }),
    ...(req.tags !== undefined && { tags: req.tags }),
    ...(req.group !== undefined && { group: req.group }),
    ...(req.jobType !== undefined && { jobType: req.jobType }),
  }
  if (Object.keys(patch).length > 0) await ctx.store.runs.patch(ref, patch)
  // A stop request belonged to the previous process; the resumed one starts clean.
  const updated = await ctx.store.runs.setState(ref, {
    state: 'running',
    heartbeatAt: ctx.now(),
    exitCode: null,
    finishedAt: null,
    stopRequested: false,
  })
  const startingStep = run.lastStep === null ? 0 : run.lastStep + 1
  return { run: toRunDto(ctx, updated), startingStep, resumed: true }
}

function createInput(ctx: ServiceContext, ref: RunRef, req: InitRequest): CreateRunInput {
  return {
    ...ref,
    ...(req.name !== undefined && { displayName: req.name }),
    ...(req.notes !== undefined && { notes: req.notes }),
    ...(req.tags !== undefined && { tags: req.tags }),
    ...(req.group !== undefined && { group: req.group }),
    ...(req.jobType !== undefined && { jobType: req.jobType }),
    ...(req.config !== undefined && { config: req.config }),
    ...(req.metadata !== undefined && { metadata: req.metadata }),
    heartbeatTimeoutS: req.heartbeatTimeoutS ?? DEFAULT_HEARTBEAT_TIMEOUT_S,
    now: ctx.now(),
  }
}
