import type { FastifyServerOptions } from 'fastify'

/** Where the error lines go: stderr for `stemma server`, an array in tests. */
export interface LineSink {
  write(line: string): void
}

/** A signed W&B upload URL's token is a credential for its file: it never reaches a log. */
const UPLOAD_TOKEN = /^(\/wandb\/uploads\/)[^/?]+/

/** The request as an error line names it: method and path, without the query or any header. */
export function requestForLog(req: { method: string; url: string }): { method: string; path: string } {
  const path = req.url.split('?')[0]!.replace(UPLOAD_TOKEN, '$1…')
  return { method: req.method, path }
}

/**
 * Fastify logger options for `stemma server`: errors only, one JSON line each with the request
 * and the error's stack. The error handler logs what it answers with a bare 500, so the operator
 * sees what the client is not told.
 */
export function errorLog(sink: LineSink): FastifyServerOptions['logger'] {
  return { level: 'error', stream: sink, serializers: { req: requestForLog } }
}
