import type { FastifyInstance } from 'fastify'
import type { Readable } from 'node:stream'
import { API_PREFIX, FILE_NAME_PATTERN, MAX_FILE_NAME_LENGTH } from '@stemma/core'
import { attachmentDisposition } from '@stemma/store'
import { viewerOf } from '../auth/guard.js'
import { parseRange } from '../files/byte-range.js'
import { servedType } from '../files/file-types.js'
import type { ServiceContext } from '../services/context.js'
import { deleteFile, findFile, listFiles, MAX_FILE_BYTES, uploadFile } from '../services/files.js'
import { parseRunTarget, type RunParams } from '../services/targets.js'
import { ref } from './openapi-schemas.js'
import type { RouteRegistry } from './registry.js'
import { archiveQuery, runParams } from './schemas.js'

type FileParams = RunParams & { name: string }

const FILES = `${API_PREFIX}/runs/:entity/:project/:runId/files`

const fileParams = {
  ...runParams,
  required: [...(runParams.required as string[]), 'name'],
  properties: {
    ...(runParams.properties as object),
    name: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_FILE_NAME_LENGTH,
      pattern: FILE_NAME_PATTERN,
      description: 'The file’s path inside the run, percent-encoded as one segment (`/` as `%2F`).',
    },
  },
}

/**
 * A file served from the app's origin must not act as a page: no scripts, no plugins, no frames,
 * whatever its bytes are (on top of the type rules in file-types.ts and `nosniff`).
 */
const FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

/** Run files: upload (raw bytes), list, ranged download, delete. Register in a `rawBodies` scope. */
export function fileRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  routes.add<{ Params: RunParams; Querystring: { archive?: string } }>(
    app,
    {
      method: 'GET',
      url: FILES,
      tag: 'files',
      summary: 'The run’s files, by name',
      params: runParams,
      querystring: archiveQuery,
      responses: { 200: { description: 'Files', schema: ref('FileList') } },
    },
    async (request) =>
      listFiles(ctx, viewerOf(request), parseRunTarget(request.params, request.query.archive)),
  )

  routes.add<{ Params: FileParams; Querystring: { archive?: string } }>(
    app,
    {
      method: 'GET',
      url: `${FILES}/:name`,
      tag: 'files',
      summary: 'A file’s bytes; a single `Range: bytes=…` is answered with 206',
      params: fileParams,
      querystring: archiveQuery,
      responses: {
        200: { description: 'The file', contentType: 'application/octet-stream', schema: { type: 'string' } },
        206: {
          description: 'The range asked for',
          contentType: 'application/octet-stream',
          schema: { type: 'string' },
        },
      },
    },
    async (request, reply) => {
      const target = parseRunTarget(request.params, request.query.archive)
      const { file, blobs } = await findFile(ctx, viewerOf(request), target, request.params.name)
      const type = servedType(file.name)
      reply
        .header('content-type', type.contentType)
        .header('accept-ranges', 'bytes')
        .header('etag', `"${file.sha256}"`)
        .header('cache-control', 'private, no-cache')
        .header('content-security-policy', FILE_CSP)
        .header('content-disposition', type.inline ? 'inline' : attachmentDisposition(file.name))
      const range = parseRange(request.headers.range, file.size)
      if (range.kind === 'unsatisfiable') {
        return reply.code(416).header('content-range', `bytes */${file.size}`).send()
      }
      if (range.kind === 'partial') {
        const body: Readable = await blobs.get(file.blobKey, { start: range.start, end: range.end })
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
          .header('content-length', range.end - range.start + 1)
          .send(body)
      }
      if (file.size === 0) return reply.header('content-length', 0).send('')
      return reply.header('content-length', file.size).send(await blobs.get(file.blobKey))
    },
  )

  routes.add<{ Params: FileParams }>(
    app,
    {
      method: 'PUT',
      url: `${FILES}/:name`,
      tag: 'files',
      summary: 'Uploads a file (the body is its bytes), replacing the file of that name',
      params: fileParams,
      rawBody: {
        contentType: 'application/octet-stream',
        description: `The file’s bytes, at most ${MAX_FILE_BYTES}; any content type is taken as bytes, and no body is an empty file.`,
      },
      responses: { 200: { description: 'The stored file', schema: ref('RunFile') } },
    },
    async (request) => {
      const body = (request.body as Readable | undefined) ?? Buffer.alloc(0)
      return uploadFile(ctx, viewerOf(request), parseRunTarget(request.params), request.params.name, body)
    },
  )

  routes.add<{ Params: FileParams }>(
    app,
    {
      method: 'DELETE',
      url: `${FILES}/:name`,
      tag: 'files',
      summary: 'Deletes a file; its content is freed once no run names it',
      params: fileParams,
      responses: { 204: { description: 'Deleted' } },
    },
    async (request, reply) => {
      await deleteFile(ctx, viewerOf(request), parseRunTarget(request.params), request.params.name)
      return reply.code(204).send()
    },
  )
}
