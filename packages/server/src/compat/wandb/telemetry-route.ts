import type { FastifyInstance } from 'fastify'
import type { RouteRegistry } from '../../routes/registry.js'

/**
 * wandb 0.31 probes `POST /sdk/otel/v1/{metrics,logs}` without a key, to proxy its own
 * telemetry through the server. stemma keeps none: a quick 404 turns the proxy off, and the body
 * is neither read nor logged.
 */
export function telemetryRoute(app: FastifyInstance, routes: RouteRegistry): void {
  routes.add<{ Params: { signal: string } }>(
    app,
    {
      method: 'POST',
      url: '/sdk/otel/v1/:signal',
      tag: 'wandb',
      summary: 'The W&B client’s telemetry probe: always 404, which turns its telemetry off',
      public: true,
      params: {
        type: 'object',
        required: ['signal'],
        properties: { signal: { type: 'string', enum: ['metrics', 'logs', 'traces'] } },
      },
      rawBody: {
        contentType: 'application/octet-stream',
        description: 'The client’s OTLP protobuf; never read.',
      },
      responses: { 404: { description: 'This server keeps no client telemetry' } },
    },
    async (_request, reply) =>
      reply
        .code(404)
        .send({ error: { code: 'NOT_FOUND', message: 'This server keeps no client telemetry.' } }),
  )
}
