import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StemmaError } from '@stemma/core'
import { isApiPath } from '../auth/guard.js'
import type { WebFile, WebFiles } from './web-files.js'

/**
 * The web app's own paths; each answers index.html and the app routes on the client. They are
 * pages, not API, so they are registered here rather than in the OpenAPI registry.
 */
export const WEB_PAGE_PATHS = [
  '/',
  '/sign-in',
  '/:entity',
  '/:entity/:project',
  '/:entity/:project/runs/:runId',
  '/:entity/:project/runs/:runId/:tab',
] as const

const FAVICONS = ['/favicon.ico', '/favicon.svg', '/favicon.png']
/** Vite names every file under assets/ by its content hash, so a name never changes meaning. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** index.html names the current hashed files: browsers must ask again each time. */
const REVALIDATE = 'no-cache'

const pageConfig = { config: { public: true, page: true } }
const fileConfig = { config: { public: true } }

/** Serves the built web app from memory, or, without one, says at `/` how to build it. */
export function webRoutes(
  app: FastifyInstance,
  files: WebFiles | null,
  /** Whether some API route answers this path (`/graphql`): then it is not a page. */
  isRoutePath: (path: string) => boolean = () => false,
): void {
  if (files === null) {
    app.get('/', fileConfig, async (_request, reply) =>
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built: run `npm run build`, then restart the server.\n'),
    )
    return
  }
  const index = files.get('/index.html')!
  for (const url of WEB_PAGE_PATHS) {
    app.get(url, pageConfig, async (request, reply) =>
      // `/api/…` or `/graphql` matched a page pattern only by its shape; it gets the API's 404 (or 405).
      isApiPath(request.url) || isRoutePath(request.url.split('?')[0]!)
        ? reply.callNotFound()
        : send(request, reply, index, REVALIDATE),
    )
  }
  app.get<{ Params: { '*': string } }>('/assets/*', fileConfig, async (request, reply) => {
    const path = `/assets/${request.params['*']}`
    const file = files.get(path)
    if (file === undefined) throw new StemmaError('NOT_FOUND', 'No such web app file.')
    return send(request, reply, file, IMMUTABLE)
  })
  for (const url of FAVICONS) {
    const file = files.get(url)
    if (file !== undefined)
      app.get(url, fileConfig, async (request, reply) => send(request, reply, file, REVALIDATE))
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile, cacheControl: string) {
  reply.header('cache-control', cacheControl).header('etag', file.etag)
  if (file.gzip !== null) reply.header('vary', 'accept-encoding')
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  reply.type(file.contentType)
  // Compressed once at startup; the API's JSON replies are not compressed.
  if (file.gzip !== null && acceptsGzip(request.headers['accept-encoding'])) {
    return reply.header('content-encoding', 'gzip').send(file.gzip)
  }
  return reply.send(file.body)
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '')
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    if (coding !== 'gzip' && coding !== '*') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}
