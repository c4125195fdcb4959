import type { FastifyInstance } from 'fastify'
import { API_PREFIX, parseEntityOrProject, type ProjectListResponse, type ViewerResponse } from '@stemma/core'
import { assertEntityAccess } from '../auth/access.js'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import { parseProject } from '../services/targets.js'
import { projectTree } from '../services/tree.js'
import { ref } from './openapi-schemas.js'
import type { RouteRegistry } from './registry.js'
import { entityParams, projectParams } from './schemas.js'

const iso = (ms: number): string => new Date(ms).toISOString()

export function projectRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Params: { entity: string } }>(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/projects/:entity`,
      tag: 'projects',
      summary: 'The entity’s projects with their run counts, most recently active first',
      params: entityParams,
      responses: { 200: { description: 'Projects', schema: ref('ProjectListResponse') } },
    },
    async (request): Promise<ProjectListResponse> => {
      const entity = parseEntityOrProject('entity', request.params.entity)
      // The guard checked this already; said again so the route stays safe wherever it moves.
      assertEntityAccess(viewerOf(request), entity)
      const projects = await ctx.store.runs.projects(entity)
      return {
        entity,
        projects: projects.map((p) => ({
          name: p.name,
          runCount: p.runCount,
          lastActivityAt: iso(p.lastActivityAt),
          createdAt: iso(p.createdAt),
        })),
      }
    },
  )

  routes.add<{ Params: { entity: string; project: string } }>(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/projects/:entity/:project/tree`,
      tag: 'projects',
      summary: 'The project’s run tree: forks as children, rewinds listed on their run',
      params: projectParams,
      responses: { 200: { description: 'Run tree', schema: ref('RunTreeResponse') } },
    },
    async (request) => projectTree(ctx, viewerOf(request), parseProject(request.params)),
  )

  routes.add(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/viewer`,
      tag: 'auth',
      summary: 'Who the API key belongs to',
      responses: { 200: { description: 'The key’s owner', schema: ref('ViewerResponse') } },
    },
    async (request): Promise<ViewerResponse> => {
      const viewer = viewerOf(request)
      return { username: viewer.username, entity: viewer.username, isAdmin: viewer.isAdmin }
    },
  )
}
