import {
  effectiveState,
  parseEntityOrProject,
  parseRunId,
  StemmaError,
  type InitRequest,
  type RunDto,
  type RunPatch,
} from '@stemma/core'
import type { RunRecord, RunRef } from '@stemma/store'
import { assertEntityAccess } from '../../auth/access.js'
import { initRun } from '../../services/init.js'
import { ingestPositioned } from '../../services/positioned.js'
import { patchRun } from '../../services/runs.js'
import { describeRef } from '../../services/targets.js'
import { branchPointOf, metricsOf, splitConfig, WANDB_METADATA_KEY } from './config.js'
import { parseJsonObject } from './extended-json.js'
import { flattenWandbSummary } from './keys.js'
import { parseRunStorageId, runObject, type GraphqlContext } from './run-object.js'
import { toRunDto } from '../../services/dto.js'

/** Where `wandb.init()` without a project logs, as on W&B. */
export const DEFAULT_PROJECT = 'uncategorized'

/** The fields of `UpsertBucketInput` stemma acts on; `null` means "leave as it is". */
export interface UpsertBucketInput {
  id?: string | null
  name?: string | null
  modelName?: string | null
  entityName?: string | null
  displayName?: string | null
  description?: string | null
  notes?: string | null
  groupName?: string | null
  jobType?: string | null
  tags?: string[] | null
  config?: string | null
  summaryMetrics?: string | null
  host?: string | null
  jobProgram?: string | null
  jobRepo?: string | null
  commit?: string | null
}

/**
 * UpsertBucket: the run's creation (fresh, or forked when the config names a branch point) or an
 * update of an existing one. A run the clients address by storage id exists already (resumed,
 * rewound, or updated mid-run); a name without an id that exists is a second `init` of that id.
 */
export async function upsertBucket(g: GraphqlContext, input: UpsertBucketInput, heartbeatTimeoutS: number) {
  const { ctx } = g
  const ref = refOf(g, input)
  // Before anything is looked up, so whether another entity's run exists is not told either.
  assertEntityAccess(g.viewer, ref.entity)
  const config = splitConfig(input.config)
  const existing = await ctx.store.runs.get(ref)
  let run: RunDto
  if (existing === null) {
    if (input.id) throw new StemmaError('RUN_NOT_FOUND', `Run ${describeRef(ref)} not found.`)
    run = await create(g, ref, input, config, heartbeatTimeoutS)
  } else {
    // Later upserts of a live run come by name too; only a resume (which found the run through
    // RunResumeStatus) names its storage id, so a name alone for a run that ended is a new init.
    if (!input.id && !isLive(g, existing)) {
      throw new StemmaError(
        'RUN_EXISTS',
        `Run ${describeRef(ref)} already exists: pass resume="allow" to continue it, or use a new id.`,
      )
    }
    run = toRunDto(ctx, await update(g, ref, existing, input, config))
  }
  return { bucket: runObject(g, run), inserted: existing === null, serverSettings: { serverMessages: [] } }
}

function refOf(g: GraphqlContext, input: UpsertBucketInput): RunRef {
  if (input.id) return parseRunStorageId(input.id)
  return {
    entity: parseEntityOrProject('entity', input.entityName ?? g.viewer.username),
    project: parseEntityOrProject('project', input.modelName ?? DEFAULT_PROJECT),
    runId: parseRunId(input.name),
  }
}

async function create(
  g: GraphqlContext,
  ref: RunRef,
  input: UpsertBucketInput,
  config: ReturnType<typeof splitConfig>,
  heartbeatTimeoutS: number,
): Promise<RunDto> {
  const branch = branchPointOf(config?.internal)
  const req: InitRequest = {
    entity: ref.entity,
    project: ref.project,
    id: ref.runId,
    ...nonNull({
      name: input.displayName,
      notes: input.notes ?? input.description,
      group: input.groupName,
      jobType: input.jobType,
      tags: input.tags,
    }),
    ...(config && { config: config.user }),
    metadata: metadataOf(input, config?.internal),
    heartbeatTimeoutS,
    // A branch point naming another run is a fork; naming this run it is a rewind, done before.
    ...(branch && branch.runId !== ref.runId && { forkFrom: `${branch.runId}?_step=${branch.step}` }),
  }
  const { run } = await initRun(g.ctx, g.viewer, req)
  const metrics = metricsOf(config?.internal)
  if (metrics.length === 0) return run
  return toRunDto(g.ctx, await ingestPositioned(g.ctx, g.viewer, { ref, archive: null }, { metrics }))
}

async function update(
  g: GraphqlContext,
  ref: RunRef,
  existing: RunRecord,
  input: UpsertBucketInput,
  config: ReturnType<typeof splitConfig>,
): Promise<RunRecord> {
  const { ctx, viewer } = g
  // A resumed run's first upsert: it runs again (from finished, failed, crashed or killed).
  if (!isLive(g, existing)) {
    await initRun(ctx, viewer, { entity: ref.entity, project: ref.project, id: ref.runId, resume: 'must' })
  }
  const patch: RunPatch = nonNull({
    name: input.displayName,
    notes: input.notes ?? input.description,
    tags: input.tags,
    group: input.groupName,
    jobType: input.jobType,
  })
  if (Object.keys(patch).length > 0) await patchRun(ctx, viewer, { ref, archive: null }, patch)
  const summary = input.summaryMetrics
    ? flattenWandbSummary(parseJsonObject(input.summaryMetrics, 'summaryMetrics'))
    : undefined
  const run = await ingestPositioned(
    ctx,
    viewer,
    { ref, archive: null },
    {
      ...(config && { config: config.user, metrics: metricsOf(config.internal) }),
      metadata: metadataOf(input, config?.internal),
      ...(summary && { summary }),
    },
  )
  return run
}

function isLive(g: GraphqlContext, run: RunRecord): boolean {
  const state = effectiveState(run.state, run.heartbeatAt, run.heartbeatTimeoutS * 1000, g.ctx.now())
  return state === 'running' || state === 'preempting'
}

/** What the upsert says about where the run runs, in the names stemma's Overview reads. */
function metadataOf(
  input: UpsertBucketInput,
  internal: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const git = nonNull({ remote: input.jobRepo, commit: input.commit })
  return {
    ...nonNull({ host: input.host, program: input.jobProgram }),
    ...(Object.keys(git).length > 0 && { git }),
    ...(internal && { [WANDB_METADATA_KEY]: internal }),
    ...(typeof internal?.cli_version === 'string' && { sdk: `wandb ${internal.cli_version}` }),
  }
}

function nonNull<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: NonNullable<T[K]>
  }
}
