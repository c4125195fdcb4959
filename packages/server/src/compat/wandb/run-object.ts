import { isPlainObject, StemmaError } from '@stemma/core'
import type { RunDto } from '@stemma/core'
import type { ApiKeyOwner, RunRecord, RunRef } from '@stemma/store'
import { toRunDto } from '../../services/dto.js'
import type { ServiceContext } from '../../services/context.js'
import { WANDB_METADATA_KEY, wrapConfig } from './config.js'
import { stringifyExtendedJson } from './extended-json.js'
import { runReads } from './run-reads.js'

/** What one GraphQL request resolves against: the caller, and the services it may use. */
export interface GraphqlContext {
  viewer: ApiKeyOwner
  /** The request's User-Agent ('' when none): the npm client is told apart by it. */
  userAgent: string
  ctx: ServiceContext
  /** Signs upload URLs for CreateRunFiles. */
  uploadUrl: (ref: RunRef, name: string) => Promise<string>
}

/** W&B ids are opaque base64 of `Type:key`; clients only echo them back. */
export function opaqueId(type: string, key: string | number): string {
  return Buffer.from(`${type}:${key}`).toString('base64')
}

/** The storage id of a run, as UpsertBucket and StopRun send it back. */
export function runStorageId(ref: RunRef): string {
  return opaqueId('Run', `${ref.entity}/${ref.project}/${ref.runId}`)
}

export function parseRunStorageId(id: string): RunRef {
  const decoded = Buffer.from(id, 'base64').toString('utf8')
  const match = /^Run:([^/]+)\/([^/]+)\/([^/]+)$/.exec(decoded)
  if (match === null)
    throw new StemmaError('VALIDATION_FAILED', `${JSON.stringify(id)} is not a run id this server issued.`)
  return { entity: match[1]!, project: match[2]!, runId: match[3]! }
}

/** A stable positive 31-bit number for a project: clients read `projectId` as an Int. */
function projectNumber(entity: string, project: string): number {
  let hash = 0
  for (const c of `${entity}/${project}`) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) | 0
  return hash & 0x7fffffff
}

export function projectObject(entity: string, project: string) {
  return {
    id: opaqueId('Project', `${entity}/${project}`),
    name: project,
    entityName: entity,
    entity: { id: opaqueId('Entity', entity), name: entity, organization: null },
    readOnly: false,
  }
}

/** The client's `_wandb` config block, kept opaquely in the run's metadata. */
export function wandbBlockOf(run: RunDto): Record<string, unknown> | undefined {
  const block = run.metadata[WANDB_METADATA_KEY]
  return isPlainObject(block) ? block : undefined
}

/** A run as the clients see it, from the record the store returned. */
export function runObjectOf(g: GraphqlContext, record: RunRecord) {
  return runObject(g, toRunDto(g.ctx, record))
}

/**
 * A stemma run in W&B's shape, from the run as stemma's API returns it. Fields that need a store read are methods, which graphql-js calls
 * only when a query selects them.
 */
export function runObject(g: GraphqlContext, run: RunDto) {
  const ref: RunRef = { entity: run.entity, project: run.project, runId: run.id }
  const counts = once(() => g.ctx.store.history.lineCounts(ref))
  return {
    id: runStorageId(ref),
    name: run.id,
    displayName: run.name,
    description: run.notes,
    notes: run.notes,
    tags: run.tags,
    state: run.state,
    group: run.group,
    jobType: run.jobType,
    sweepName: null,
    readOnly: run.archived,
    stopped: run.stopRequested,
    createdAt: run.createdAt,
    heartbeatAt: run.heartbeatAt,
    project: projectObject(run.entity, run.project),
    projectId: projectNumber(run.entity, run.project),
    // Serialised only when selected: run listings ask for neither.
    config: () => stringifyExtendedJson(wrapConfig(run.config, wandbBlockOf(run))),
    summaryMetrics: () => stringifyExtendedJson(run.summary),
    wandbConfig: ({ keys }: { keys?: string[] | null }) => {
      // Resume treats a run as existing only once `t` (telemetry) is there; a run stemma's own SDK
      // started has none, and is as started as any.
      const block: Record<string, unknown> = { t: {}, ...wandbBlockOf(run) }
      const wanted = keys ?? Object.keys(block)
      return JSON.stringify(Object.fromEntries(wanted.filter((k) => k in block).map((k) => [k, block[k]])))
    },
    historyLineCount: async () => (await counts()).history,
    eventsLineCount: async () => (await counts()).events,
    logLineCount: async () => (await counts()).console,
    historyTail: async () => JSON.stringify(await historyTail(g, ref, run)),
    // Only the runtime of the last sample is read from it, and the history tail carries that too.
    eventsTail: '[]',
    ...runReads(g, run),
  }
}

/** The last history row as the client wrote it: `_step` an integer, keys flat. */
async function historyTail(g: GraphqlContext, ref: RunRef, run: RunDto): Promise<string[]> {
  if (run.lastStep === null) return []
  const rows = await g.ctx.store.history.read(ref, { minStep: run.lastStep, maxStep: run.lastStep })
  if (rows.steps.length === 0) return []
  const row: Record<string, unknown> = {
    _step: rows.steps[0],
    _runtime: rows.runtime[0],
    _timestamp: rows.timestamp[0],
  }
  for (const [key, column] of Object.entries(rows.columns)) {
    if (column[0] !== null && column[0] !== undefined) row[key] = column[0]
  }
  for (const v of rows.values) row[v.key] = v.value
  return [stringifyExtendedJson(row)]
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined
  return () => (promise ??= fn())
}
