import type { FastifyInstance } from 'fastify'
import { API_PREFIX } from '@stemma/core'
import type { ApiKeyOwner } from '@stemma/store'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import {
  MAX_LOG_LIMIT,
  readAlerts,
  readArchives,
  readConfig,
  readConsole,
  readLineage,
  readRejected,
  readSummary,
  readSystem,
} from '../services/reads.js'
import { parseRunTarget, type RunParams, type RunTarget } from '../services/targets.js'
import { ref } from './openapi-schemas.js'
import { intQuery } from './query.js'
import type { JsonSchema, RouteRegistry } from './registry.js'
import { archiveQuery, limitQuery, runParams } from './schemas.js'

type Read = (ctx: ServiceContext, viewer: ApiKeyOwner, target: RunTarget, limit?: number) => Promise<unknown>

interface DetailRoute {
  path: string
  summary: string
  read: Read
  schema: JsonSchema
  /** Whether the read is a log that takes `?limit=`. */
  limited?: boolean
}

/** The run page's side panels: small reads that share one shape, so they share one route builder. */
const DETAILS: DetailRoute[] = [
  { path: 'summary', summary: 'The run’s summary', read: readSummary, schema: { type: 'object' } },
  { path: 'config', summary: 'The run’s config', read: readConfig, schema: { type: 'object' } },
  {
    path: 'rejected',
    summary: 'Rows dropped by the step rule (explicit step below the current one)',
    read: readRejected,
    schema: ref('RejectedResponse'),
    limited: true,
  },
  {
    path: 'console',
    summary: 'Console lines',
    read: readConsole,
    schema: ref('ConsoleResponse'),
    limited: true,
  },
  {
    path: 'system',
    summary: 'System metric samples',
    read: readSystem,
    schema: ref('SystemResponse'),
    limited: true,
  },
  {
    path: 'alerts',
    summary: 'Alerts raised by the run (run.alert), oldest first',
    read: readAlerts,
    schema: ref('AlertsResponse'),
    limited: true,
  },
  {
    path: 'lineage',
    summary: 'Parent, fork children and rewinds',
    read: readLineage,
    schema: ref('LineageResponse'),
  },
  {
    path: 'archives',
    summary: 'Archived (pre-rewind) states, oldest first',
    read: readArchives,
    schema: ref('ArchivesResponse'),
  },
]

export function detailRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  for (const detail of DETAILS) {
    routes.add<{ Params: RunParams; Querystring: { archive?: string; limit?: string } }>(
      app,
      {
        method: 'GET',
        url: `${API_PREFIX}/runs/:entity/:project/:runId/${detail.path}`,
        tag: 'runs',
        summary: detail.summary,
        params: runParams,
        querystring: detail.limited ? limitQuery : archiveQuery,
        responses: { 200: { description: detail.summary, schema: detail.schema } },
      },
      async (request) => {
        const target = parseRunTarget(request.params, request.query.archive)
        const limit = intQuery(request.query.limit, 'limit', 1, MAX_LOG_LIMIT)
        return detail.read(ctx, viewerOf(request), target, limit)
      },
    )
  }
}
