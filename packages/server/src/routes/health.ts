import type { FastifyInstance } from 'fastify'
import type { BlobStore, Store } from '@stemma/store'
import type { RouteRegistry } from './registry.js'

const STATUS = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok', 'not ok'] } },
}

/**
 * Probes for load balancers and orchestrators, answered without a key. They say ok or not ok and
 * nothing else: no versions, no hosts, no reasons (those go to the operator's logs).
 */
export function healthRoutes(
  app: FastifyInstance,
  store: Store,
  blobs: BlobStore | undefined,
  routes: RouteRegistry,
): void {
  routes.add(
    app,
    {
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness: the process answers',
      tag: 'health',
      public: true,
      responses: { 200: { description: 'The process is up', schema: STATUS } },
    },
    async () => ({ status: 'ok' }),
  )
  routes.add(
    app,
    {
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: the database and the blob store answer',
      tag: 'health',
      public: true,
      responses: {
        200: { description: 'Ready to serve', schema: STATUS },
        503: { description: 'Not ready: send traffic elsewhere', schema: STATUS },
      },
    },
    async (request, reply) => {
      try {
        await Promise.all([store.database.ping(), blobs?.check()])
        return { status: 'ok' }
      } catch (err) {
        request.log.warn({ code: (err as { code?: string }).code }, 'not ready')
        return reply.status(503).send({ status: 'not ok' })
      }
    },
  )
}
