import type { FastifyInstance } from 'fastify'
import { viewerOf } from '../../auth/guard.js'
import { BODY_LIMIT_BYTES } from '../../body/limits.js'
import type { RouteRegistry } from '../../routes/registry.js'
import { runParams } from '../../routes/schemas.js'
import type { ServiceContext } from '../../services/context.js'
import { ingestPositioned } from '../../services/positioned.js'
import { parseRunTarget, type RunParams } from '../../services/targets.js'
import { translateFileStream, type FileStreamBody } from './file-stream.js'

const MAX_OFFSET = 2 ** 31 - 1

const part = {
  type: 'object',
  required: ['offset', 'content'],
  properties: {
    offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET },
    content: { type: 'array', items: { type: 'string' } },
  },
}

/**
 * The body as the clients send it. Unknown keys (older clients add `dropped`, `failed`) are
 * accepted and ignored, as are files other than the four the clients stream.
 */
const fileStreamBody = {
  type: 'object',
  properties: {
    files: { type: 'object', additionalProperties: part },
    uploaded: { type: 'array', items: { type: 'string' } },
    complete: { type: 'boolean' },
    exitcode: { type: ['integer', 'null'], minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
    preempting: { type: 'boolean' },
  },
}

/**
 * `POST /files/{entity}/{project}/{run}/file_stream`: history, system samples, console lines and
 * the summary, each positioned by its line offset, so a re-sent request changes nothing. The
 * answer's `stopped` is how the clients learn that someone stopped the run.
 */
export function fileStreamRoute(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Params: RunParams; Body: FileStreamBody }>(
    app,
    {
      method: 'POST',
      url: '/files/:entity/:project/:runId/file_stream',
      tag: 'wandb',
      // Whole JSON documents travel as strings here; the body limit bounds them.
      maxStringLength: BODY_LIMIT_BYTES,
      summary: 'W&B-compatible file_stream: history, events, console and summary lines by offset',
      params: runParams,
      body: fileStreamBody,
      responses: {
        200: {
          description: 'Applied (or already applied); `stopped` asks the client to stop',
          schema: {
            type: 'object',
            required: ['stopped'],
            properties: {
              stopped: { type: 'boolean' },
              exitcode: { type: 'null' },
              limits: { type: 'object' },
            },
          },
        },
      },
    },
    async (request) => {
      const target = parseRunTarget(request.params)
      const content = translateFileStream(request.body ?? {}, ctx.now())
      const run = await ingestPositioned(ctx, viewerOf(request), target, content)
      return { stopped: run.stopRequested, exitcode: null, limits: {} }
    },
  )
}
