import {
  ALERT_LEVELS,
  assertFileName,
  parseEntityOrProject,
  parseRunId,
  StemmaError,
  type AlertLevel,
} from '@stemma/core'
import type { RunRef } from '@stemma/store'
import { initRun } from '../../services/init.js'
import { ingestPositioned } from '../../services/positioned.js'
import {
  decodeCursor,
  deleteRun,
  encodeCursor,
  listRuns,
  MAX_LIST_LIMIT,
  stopRun,
} from '../../services/runs.js'
import { translateFilters, translateOrder } from './filters.js'
import { loadRun } from '../../services/targets.js'
import { normalizeFileName } from './run-files.js'
import {
  opaqueId,
  parseRunStorageId,
  projectObject,
  runObject,
  runObjectOf,
  runStorageId,
  type GraphqlContext,
} from './run-object.js'
import { DEFAULT_PROJECT, upsertBucket, type UpsertBucketInput } from './upsert-bucket.js'

export { opaqueId, type GraphqlContext }

/**
 * The clients compare `max_cli_version` with their own version to decide what the server can
 * take; a version above every release keeps their current encodings on.
 */
const CLI_VERSION_INFO = { max_cli_version: '0.99.0', min_cli_version: '0.10.0' }

export interface ResolverOptions {
  /** Seconds without a file_stream request after which a W&B client's run reads as crashed. */
  heartbeatTimeoutS: number
}

type Args<T> = { input: T }

/** How the npm client (`@wandb/sdk`) names itself. */
const NPM_CLIENT_AGENT = 'W&B Internal JS Client'
/** Its runs read as crashed only after an hour of silence (data revives them anyway). */
const NPM_CLIENT_HEARTBEAT_TIMEOUT_S = 3600

/** The public API's default page of runs. */
const DEFAULT_RUNS_PAGE = 50

const MAX_ALERT_TITLE = 256
const MAX_ALERT_TEXT = 16_384
/** The Python client's default `wait_duration`. */
const DEFAULT_ALERT_WAIT_S = 60
/** How far back a repeated title is looked for. */
const RECENT_ALERTS = 200

/** Root values for `graphql-js` (default field resolvers read the returned objects' fields). */
export function rootValue(g: GraphqlContext, options: ResolverOptions) {
  const { viewer } = g
  const project = async ({ name, entityName }: { name?: string | null; entityName?: string | null }) => {
    const entity = parseEntityOrProject('entity', entityName ?? viewer.username)
    const projectName = parseEntityOrProject('project', name ?? DEFAULT_PROJECT)
    const base = projectObject(entity, projectName)
    const run = async ({ name: runId }: { name?: string | null }) => {
      // verify's large-post check asks for the run named "": there is none.
      if (runId === null || runId === undefined || runId === '') return null
      const ref: RunRef = { entity, project: projectName, runId: parseRunId(runId) }
      const record = await g.ctx.store.runs.get(ref)
      if (record !== null) await loadRun(g.ctx, viewer, { ref, archive: null })
      return record === null ? null : runObjectOf(g, record)
    }
    const listing = async (args: {
      filters?: string | null
      after?: string | null
      first?: number | null
      order?: string | null
    }) => {
      const filter = translateFilters(args.filters)
      return listRuns(
        g.ctx,
        viewer,
        { entity, project: projectName },
        {
          ...(filter !== undefined && { filter }),
          order: translateOrder(args.order),
          limit: Math.min(Math.max(args.first ?? DEFAULT_RUNS_PAGE, 1), MAX_LIST_LIMIT),
          ...(args.after && { cursor: args.after }),
        },
      )
    }
    return {
      ...base,
      internalId: base.id,
      run,
      bucket: run,
      runCount: async ({ filters }: { filters?: string | null }) =>
        (await listing({ filters, first: 1 })).total,
      runs: async (args: Parameters<typeof listing>[0]) => {
        const page = await listing(args)
        // The clients page on with the last edge's cursor: each edge's is the position after it.
        const start = args.after ? decodeCursor(args.after) : 0
        return {
          edges: page.runs.map((run, i) => ({
            node: runObject(g, run),
            cursor: encodeCursor(start + i + 1),
          })),
          pageInfo: { endCursor: page.nextCursor, hasNextPage: page.nextCursor !== null },
        }
      },
    }
  }
  return {
    viewer: () => ({
      id: opaqueId('User', viewer.userId),
      entity: viewer.username,
      username: viewer.username,
      email: null,
      // Some client versions parse this without a fallback: it must be a JSON string, never null.
      flags: '{}',
      teams: { edges: [] },
    }),
    serverInfo: () => ({
      cliVersionInfo: CLI_VERSION_INFO,
      latestLocalVersionInfo: null,
      // No optional feature is advertised until its code path is implemented.
      features: [],
    }),
    entity: ({ name }: { name?: string | null }) =>
      name === undefined || name === null || name === ''
        ? null
        : { id: opaqueId('Entity', name), name, organization: null },
    project,
    model: project,

    upsertBucket: ({ input }: Args<UpsertBucketInput>) =>
      upsertBucket(
        g,
        input,
        // The npm client sends nothing while the script logs nothing: no heartbeat to miss.
        g.userAgent.startsWith(NPM_CLIENT_AGENT) ? NPM_CLIENT_HEARTBEAT_TIMEOUT_S : options.heartbeatTimeoutS,
      ),

    rewindRun: async ({ input }: Args<RewindRunInput>) => {
      if (input.metricName !== '_step') {
        throw new StemmaError(
          'VALIDATION_FAILED',
          `Runs rewind to a _step; got metric ${JSON.stringify(input.metricName)}.`,
        )
      }
      const ref = runRef(g, input.entityName, input.projectName, input.runName)
      const { run } = await initRun(g.ctx, viewer, {
        entity: ref.entity,
        project: ref.project,
        id: ref.runId,
        resumeFrom: `${ref.runId}?_step=${Math.floor(input.metricValue)}`,
      })
      return { rewoundRun: runObject(g, run) }
    },

    stopRun: async ({ input }: Args<{ id: string }>) => {
      await stopRun(g.ctx, viewer, { ref: parseRunStorageId(input.id), archive: null })
      return { success: true }
    },

    deleteRun: async ({ input }: Args<{ id: string }>) => {
      await deleteRun(g.ctx, viewer, { ref: parseRunStorageId(input.id), archive: null })
      return { clientMutationId: null }
    },

    createRunFiles: async ({ input }: Args<CreateRunFilesInput>) => {
      const ref = runRef(g, input.entityName, input.projectName, input.runName)
      await loadRun(g.ctx, viewer, { ref, archive: null })
      const files = await Promise.all(
        input.files.map(async (requested) => {
          const name = normalizeFileName(requested)
          try {
            assertFileName(name)
          } catch {
            // The client skips a file without an upload URL; the rest of the batch goes on.
            return { name: requested, uploadUrl: null }
          }
          return { name: requested, uploadUrl: await g.uploadUrl(ref, name) }
        }),
      )
      return { runID: runStorageId(ref), uploadHeaders: [], files }
    },

    notifyScriptableRunAlert: async ({ input }: Args<AlertInput>) => {
      const ref = runRef(g, input.entityName, input.projectName, input.runName)
      await loadRun(g.ctx, viewer, { ref, archive: null })
      if (input.title === '' || input.title.length > MAX_ALERT_TITLE || input.text.length > MAX_ALERT_TEXT) {
        throw new StemmaError(
          'VALIDATION_FAILED',
          `An alert needs a title of 1 to ${MAX_ALERT_TITLE} characters and a text of at most ${MAX_ALERT_TEXT}.`,
        )
      }
      const now = g.ctx.now()
      // As on W&B, the server holds back a title sent again within its waitDuration (the client
      // leaves that to the server; stemma's own SDK throttles before sending).
      const waitMs = (input.waitDuration ?? DEFAULT_ALERT_WAIT_S) * 1000
      const recent = await g.ctx.store.runs.alerts(ref, RECENT_ALERTS)
      if (recent.some((a) => a.title === input.title && now - a.t < waitMs)) return { success: true }
      const level: AlertLevel = (ALERT_LEVELS as readonly string[]).includes(input.severity ?? '')
        ? (input.severity as AlertLevel)
        : 'INFO'
      await ingestPositioned(
        g.ctx,
        viewer,
        { ref, archive: null },
        {
          alerts: [{ t: now, title: input.title, text: input.text, level }],
        },
      )
      return { success: true }
    },
  }
}

interface RewindRunInput {
  runName: string
  entityName?: string | null
  projectName?: string | null
  metricName: string
  metricValue: number
}

interface CreateRunFilesInput {
  entityName: string
  projectName: string
  runName: string
  files: string[]
}

interface AlertInput {
  entityName: string
  projectName: string
  runName: string
  title: string
  text: string
  severity?: string | null
  waitDuration?: number | null
}

function runRef(
  g: GraphqlContext,
  entity: string | null | undefined,
  project: string | null | undefined,
  runId: string,
): RunRef {
  return {
    entity: parseEntityOrProject('entity', entity ?? g.viewer.username),
    project: parseEntityOrProject('project', project ?? DEFAULT_PROJECT),
    runId: parseRunId(runId),
  }
}
