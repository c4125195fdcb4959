import type { FastifyInstance } from 'fastify'
import { API_PREFIX } from '@stemma/core'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import { MAX_BUCKET_COUNT, MAX_HISTORY_LIMIT, readBuckets, readHistory, readKeys } from '../services/reads.js'
import { parseRunTarget, type RunParams } from '../services/targets.js'
import { ref } from './openapi-schemas.js'
import { intQuery, listQuery } from './query.js'
import type { RouteRegistry } from './registry.js'
import { archiveQuery, bucketsQuery, historyQuery, runParams } from './schemas.js'

const RUN = `${API_PREFIX}/runs/:entity/:project/:runId`
const MAX_STEP = Number.MAX_SAFE_INTEGER
type Query = Record<string, string | undefined>

/** History reads: columnar rows, M4 buckets for charts, and the list of logged keys. */
export function historyRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Params: RunParams; Querystring: Query }>(
    app,
    {
      method: 'GET',
      url: `${RUN}/history`,
      tag: 'history',
      summary: 'History rows in columns (NaN/±Infinity as strings), with the run each row came from',
      params: runParams,
      querystring: historyQuery,
      responses: { 200: { description: 'Columnar history', schema: ref('HistoryResponse') } },
    },
    async (request) => {
      const q = request.query
      const keys = listQuery(q.keys)
      const minStep = intQuery(q.minStep, 'minStep', 0, MAX_STEP)
      const maxStep = intQuery(q.maxStep, 'maxStep', 0, MAX_STEP)
      const limit = intQuery(q.limit, 'limit', 1, MAX_HISTORY_LIMIT)
      return readHistory(ctx, viewerOf(request), parseRunTarget(request.params, q.archive), {
        ...(keys !== undefined && { keys }),
        ...(minStep !== undefined && { minStep }),
        ...(maxStep !== undefined && { maxStep }),
        ...(limit !== undefined && { limit }),
      })
    },
  )

  routes.add<{ Params: RunParams; Querystring: Query & { key: string } }>(
    app,
    {
      method: 'GET',
      url: `${RUN}/history/buckets`,
      tag: 'history',
      summary: 'One metric as M4 buckets (first/min/max/last per bucket) over a step range',
      params: runParams,
      querystring: bucketsQuery,
      responses: { 200: { description: 'M4 buckets', schema: ref('BucketsResponse') } },
    },
    async (request) => {
      const q = request.query
      const minStep = intQuery(q.minStep, 'minStep', 0, MAX_STEP)
      const maxStep = intQuery(q.maxStep, 'maxStep', 0, MAX_STEP)
      const buckets = intQuery(q.buckets, 'buckets', 1, MAX_BUCKET_COUNT)
      return readBuckets(ctx, viewerOf(request), parseRunTarget(request.params, q.archive), {
        key: q.key,
        ...(minStep !== undefined && { minStep }),
        ...(maxStep !== undefined && { maxStep }),
        ...(buckets !== undefined && { buckets }),
      })
    },
  )

  routes.add<{ Params: RunParams; Querystring: { archive?: string } }>(
    app,
    {
      method: 'GET',
      url: `${RUN}/history/keys`,
      tag: 'history',
      summary: 'Every key logged in the run’s view, scalar or not, with its point count',
      params: runParams,
      querystring: archiveQuery,
      responses: { 200: { description: 'Keys', schema: ref('KeysResponse') } },
    },
    async (request) =>
      readKeys(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive)),
  )
}
