import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import {
  ERROR_STATUS,
  StemmaError,
  isStemmaError,
  parseEntityOrProject,
  parseRunId,
  type ErrorBody,
  type ErrorCode,
} from '@stemma/core'
import { EXCLUSIVE_INIT_FIELDS } from './routes/schemas.js'

/**
 * The one place where errors become responses. Services and routes only throw; everything a
 * client sees is `{ error: { code, message, details } }` with the status of `ERROR_STATUS`.
 */
export function installErrorHandler(app: FastifyInstance, methodsAt: (path: string) => string[]): void {
  app.setNotFoundHandler((request) => {
    const path = pathOf(request)
    throw (
      wrongMethod(request, methodsAt) ?? new StemmaError('NOT_FOUND', `No route ${request.method} ${path}.`)
    )
  })
  app.setErrorHandler((err, request, reply) => {
    // A body-bearing method (QUERY, PUT) on a path that has no route for it can fail body parsing
    // before the not-found handler runs: it is still the wrong method, not a bad body.
    const known = (request.is404 ? wrongMethod(request, methodsAt) : null) ?? toStemmaError(err, request)
    if (known === null) {
      // Unknown errors are bugs: log them in full, tell the client nothing about internals.
      request.log.error({ err, req: request }, 'unhandled error')
      return reply.status(500).send(errorBody(new StemmaError('INTERNAL', 'Internal server error.')))
    }
    // A database or object store that went away: clients (the SDK's uploader among them) wait
    // this long and retry, keeping their data.
    if (known.code === 'UNAVAILABLE' || known.code === 'INSUFFICIENT_STORAGE')
      reply.header('retry-after', String(retryAfterS(known)))
    if (known.code === 'METHOD_NOT_ALLOWED')
      reply.header('allow', (known.details!.allow as string[]).join(', '))
    return reply.status(ERROR_STATUS[known.code]).send(errorBody(known))
  })
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!

/** METHOD_NOT_ALLOWED when another method of this path has a route, else null. */
function wrongMethod(request: FastifyRequest, methodsAt: (path: string) => string[]): StemmaError | null {
  const path = pathOf(request)
  const allow = methodsAt(path)
  if (allow.length === 0) return null
  return new StemmaError(
    'METHOD_NOT_ALLOWED',
    `${path} answers ${allow.join(', ')}, not ${request.method}.`,
    {
      allow,
    },
  )
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

/** Fields whose schema pattern is one of core's naming rules; core words the refusal best. */
const NAMED_RULES: Record<string, (value: unknown) => unknown> = {
  runId: parseRunId,
  id: parseRunId,
  entity: (v) => parseEntityOrProject('entity', v),
  project: (v) => parseEntityOrProject('project', v),
}

/** The error core's own parser gives for a value that failed a naming pattern, if it is one. */
function namingError(
  e: FastifyError & { validationContext?: string },
  request: FastifyRequest,
): StemmaError | null {
  const first = e.validation?.[0]
  if (first?.keyword !== 'pattern') return null
  const field = first.instancePath.slice(1)
  const source =
    e.validationContext === 'params' ? request.params : e.validationContext === 'body' ? request.body : null
  const rule = NAMED_RULES[field]
  if (!rule || source === null || typeof source !== 'object') return null
  try {
    rule((source as Record<string, unknown>)[field])
  } catch (parsed) {
    if (isStemmaError(parsed)) return parsed
  }
  return null
}

/** A body naming two fields that exclude each other (see `EXCLUSIVE_INIT_FIELDS`), in words. */
function exclusionError(e: FastifyError & { validationContext?: string }): StemmaError | null {
  const first = e.validation?.[0]
  const index = /^#\/allOf\/(\d+)\/not$/.exec(first?.schemaPath ?? '')?.[1]
  const pair = index === undefined ? undefined : EXCLUSIVE_INIT_FIELDS[Number(index)]
  if (first?.keyword !== 'not' || e.validationContext !== 'body' || !pair) return null
  return new StemmaError('VALIDATION_FAILED', `${pair[0]} and ${pair[1]} cannot be combined; pick one.`)
}

/**
 * Driver codes for a full disk: SQLite's SQLITE_FULL, Node's ENOSPC and EDQUOT (a blob write, a
 * quota), PostgreSQL's disk_full (SQLSTATE 53100).
 */
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', '53100'])

/** A full disk is not a bug: nothing was stored, and the same request succeeds once space is freed. */
function diskFull(err: unknown): StemmaError | null {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !DISK_FULL_CODES.has(code)) return null
  return new StemmaError(
    'INSUFFICIENT_STORAGE',
    `The server's disk is full (${code}); nothing was stored. Free space on the server; clients keep their data and retry.`,
    { cause: code, retryAfterS: 5 },
  )
}

/** Maps what Fastify and Node throw on bad input to our codes; null for anything unexpected. */
function toStemmaError(err: unknown, request: FastifyRequest): StemmaError | null {
  if (isStemmaError(err)) return err
  const full = diskFull(err)
  if (full) return full
  const e = err as Partial<FastifyError> & { validationContext?: string }
  if (e.validation) {
    const named = namingError(e as FastifyError, request)
    if (named) return named
    const excluded = exclusionError(e as FastifyError)
    if (excluded) return excluded
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
