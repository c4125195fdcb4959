import type { FastifyInstance } from 'fastify'
import { API_PREFIX, type InitRequest, type RunPatch } from '@stemma/core'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import { initRun } from '../services/init.js'
import {
  deleteRun,
  getRun,
  heartbeat,
  listRuns,
  MAX_LIST_LIMIT,
  MAX_LIST_OFFSET,
  patchRun,
  stopRun,
} from '../services/runs.js'
import { parseProject, parseRunTarget, type RunParams } from '../services/targets.js'
import { intQuery } from './query.js'
import type { RouteRegistry } from './registry.js'
import { archiveQuery, initBody, listQuery, patchBody, projectParams, runParams } from './schemas.js'
import { ref } from './openapi-schemas.js'

const RUN = `${API_PREFIX}/runs/:entity/:project/:runId`
type ArchiveQuery = { archive?: string }

/** Run lifecycle routes: translate HTTP to run services and back, nothing else. */
export function runRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Body: InitRequest }>(
    app,
    {
      method: 'POST',
      url: `${API_PREFIX}/runs`,
      tag: 'runs',
      summary: 'Create, resume (resume), fork (forkFrom) or rewind (resumeFrom) a run',
      body: initBody,
      responses: {
        201: { description: 'A new run (also a fork)', schema: ref('InitResponse') },
        200: { description: 'An existing run continued (resume or rewind)', schema: ref('InitResponse') },
      },
    },
    async (request, reply) => {
      const result = await initRun(ctx, viewerOf(request), request.body)
      return reply.status(result.resumed ? 200 : 201).send(result)
    },
  )

  routes.add<{
    Params: { entity: string; project: string }
    Querystring: Record<string, string | undefined>
  }>(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/runs/:entity/:project`,
      tag: 'runs',
      summary: 'List a project’s runs with filter, order and cursor paging',
      params: projectParams,
      querystring: listQuery,
      responses: { 200: { description: 'A page of runs', schema: ref('RunListResponse') } },
    },
    async (request) => {
      const q = request.query
      return listRuns(ctx, viewerOf(request), parseProject(request.params), {
        ...(q.filter !== undefined && { filter: q.filter }),
        ...(q.order !== undefined && { order: q.order }),
        ...(q.limit !== undefined && { limit: intQuery(q.limit, 'limit', 1, MAX_LIST_LIMIT) }),
        ...(q.cursor !== undefined && { cursor: q.cursor }),
        ...(q.offset !== undefined && { offset: intQuery(q.offset, 'offset', 0, MAX_LIST_OFFSET) }),
      })
    },
  )

  routes.add<{ Params: RunParams; Querystring: ArchiveQuery }>(
    app,
    {
      method: 'GET',
      url: RUN,
      tag: 'runs',
      summary: 'Read a run (state derived from its heartbeat)',
      params: runParams,
      querystring: archiveQuery,
      responses: { 200: { description: 'The run', schema: ref('RunDto') } },
    },
    async (request) => getRun(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive)),
  )

  routes.add<{ Params: RunParams; Querystring: ArchiveQuery; Body: RunPatch }>(
    app,
    {
      method: 'PATCH',
      url: RUN,
      tag: 'runs',
      summary: 'Update a run’s name, notes, tags, group or job type',
      params: runParams,
      querystring: archiveQuery,
      body: patchBody,
      responses: { 200: { description: 'The updated run', schema: ref('RunDto') } },
    },
    async (request) =>
      patchRun(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive), request.body),
  )

  routes.add<{ Params: RunParams; Querystring: ArchiveQuery }>(
    app,
    {
      method: 'DELETE',
      url: RUN,
      tag: 'runs',
      summary: 'Delete a run and its archived states',
      params: runParams,
      querystring: archiveQuery,
      responses: { 204: { description: 'Deleted' } },
    },
    async (request, reply) => {
      await deleteRun(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive))
      return reply.status(204).send()
    },
  )

  routes.add<{ Params: RunParams; Querystring: ArchiveQuery }>(
    app,
    {
      method: 'POST',
      url: `${RUN}/heartbeat`,
      tag: 'runs',
      summary: 'Keep a running run alive; returns control signals',
      params: runParams,
      querystring: archiveQuery,
      responses: {
        200: { description: 'Control signals and the derived state', schema: ref('HeartbeatResponse') },
      },
    },
    async (request) =>
      heartbeat(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive)),
  )

  routes.add<{ Params: RunParams; Querystring: ArchiveQuery }>(
    app,
    {
      method: 'POST',
      url: `${RUN}/stop`,
      tag: 'runs',
      summary: 'Ask the run’s process to stop; it finishes as killed',
      params: runParams,
      querystring: archiveQuery,
      responses: { 200: { description: 'The run, stopRequested set', schema: ref('RunDto') } },
    },
    async (request) => stopRun(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive)),
  )
}
