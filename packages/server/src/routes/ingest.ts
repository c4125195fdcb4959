import type { FastifyInstance } from 'fastify'
import { API_PREFIX, type IngestBatch } from '@stemma/core'
import { viewerOf } from '../auth/guard.js'
import type { ServiceContext } from '../services/context.js'
import { ingestBatch } from '../services/ingest.js'
import { parseRunTarget, type RunParams } from '../services/targets.js'
import { ref } from './openapi-schemas.js'
import type { RouteRegistry } from './registry.js'
import { archiveQuery, batchBody, runParams } from './schemas.js'

/** The native ingest door: one JSON batch per request, applied whole or not at all. */
export function ingestRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Params: RunParams; Querystring: { archive?: string }; Body: IngestBatch }>(
    app,
    {
      method: 'POST',
      url: `${API_PREFIX}/runs/:entity/:project/:runId/batches`,
      tag: 'ingest',
      summary:
        'Commit one batch (history, values, summary, config, console, system, exit); idempotent by writerId + seq',
      params: runParams,
      querystring: archiveQuery,
      body: batchBody,
      responses: {
        200: { description: 'The highest committed seq and control signals', schema: ref('IngestResponse') },
      },
    },
    async (request) =>
      ingestBatch(
        ctx,
        viewerOf(request),
        parseRunTarget(request.params, request.query.archive),
        request.body,
      ),
  )
}
