import type { FastifyError, FastifyInstance } from 'fastify'
import { ERROR_STATUS, StemmaError, isStemmaError, type ErrorBody, type ErrorCode } from '@stemma/core'

/**
 * The one place where errors become responses. Services and routes only throw; everything a
 * client sees is `{ error: { code, message, details } }` with the status of `ERROR_STATUS`.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request) => {
    throw new StemmaError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)
  })
  app.setErrorHandler((err, request, reply) => {
    const known = toStemmaError(err)
    if (known === null) {
      // Unknown errors are bugs: log them in full, tell the client nothing about internals.
      request.log.error({ err }, 'unhandled error')
      return reply.status(500).send(errorBody(new StemmaError('INTERNAL', 'Internal server error.')))
    }
    // A database or object store that went away: clients (the SDK's uploader among them) wait
    // this long and retry, keeping their data.
    if (known.code === 'UNAVAILABLE') reply.header('retry-after', String(retryAfterS(known)))
    return reply.status(ERROR_STATUS[known.code]).send(errorBody(known))
  })
}

function retryAfterS(err: StemmaError): number {
  const s = err.details?.retryAfterS
  return typeof s === 'number' && Number.isInteger(s) && s > 0 ? s : 5
}

function errorBody(err: StemmaError): ErrorBody {
  const error: ErrorBody['error'] = { code: err.code, message: err.message }
  if (err.details !== undefined) error.details = err.details
  return { error }
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  PAYLOAD_TOO_LARGE: 'Request body is larger than 16 MiB (measured after decompression).',
}

/** Maps what Fastify and Node throw on bad input to our codes; null for anything unexpected. */
function toStemmaError(err: unknown): StemmaError | null {
  if (isStemmaError(err)) return err
  const e = err as Partial<FastifyError> & { validationContext?: string }
  if (e.validation) {
    const where = e.validationContext ?? 'request'
    const issues = e.validation.map((v) => ({
      path: `${where}${v.instancePath}`,
      message: v.message ?? 'is invalid',
    }))
    const first = issues[0]
    const message = first ? `Invalid ${where}: ${first.path} ${first.message}.` : `Invalid ${where}.`
    return new StemmaError('VALIDATION_FAILED', message, { issues })
  }
  const code = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined
  if (code) return new StemmaError(code, MESSAGES[code] ?? e.message ?? 'Bad request.')
  // Body-parsing failures (bad JSON, broken gzip) carry a 4xx status from the parser.
  if (
    err instanceof SyntaxError ||
    (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
  ) {
    const status = e.statusCode
    if (status === 413) return new StemmaError('PAYLOAD_TOO_LARGE', MESSAGES.PAYLOAD_TOO_LARGE!)
    if (status === 415)
      return new StemmaError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported media type.')
    return new StemmaError('BAD_REQUEST', `Malformed request: ${e.message ?? 'bad input'}.`)
  }
  return null
}
