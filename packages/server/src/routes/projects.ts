import type { FastifyInstance } from 'fastify'
import { API_PREFIX, type ViewerResponse } from '@stemma/core'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import { parseProject } from '../services/targets.js'
import { projectTree } from '../services/tree.js'
import { ref } from './openapi-schemas.js'
import type { RouteRegistry } from './registry.js'
import { projectParams } from './schemas.js'

export function projectRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
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
