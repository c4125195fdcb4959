import type { FastifyInstance, FastifyRequest } from 'fastify'
import { API_PREFIX, CSRF_HEADER, StemmaError } from '@stemma/core'
import type { ApiKeyOwner, AuthRepository } from '@stemma/store'
import { assertEntityAccess } from './access.js'
import { sessionTokenFrom } from './cookies.js'
import { hashApiKey } from './keys.js'
import type { SessionTokens } from './session.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on every request that reaches a handler. */
    viewer: ApiKeyOwner | null
    /** Set by the guard when the request was signed in by the session cookie, not a key. */
    browserSession: { token: string; csrfToken: string } | null
  }
  interface FastifyContextConfig {
    /** Set only by the route registry, from `RouteSpec.public`, and by the web app's routes. */
    public?: boolean
    /**
     * A web app page: public, except where its path begins with `/api`, which stays the API's
     * (default deny), so page patterns like `/:entity/:project` cannot open API paths.
     */
    page?: boolean
    /** Set only by the route registry, from `RouteSpec.maxStringLength`. */
    maxStringLength?: number
  }
}

const MAX_KEY_LENGTH = 512
/** Methods that change nothing; the rest need the CSRF token when a cookie signed them in. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The one default-deny guard. It is a root `onRequest` hook added before any route exists, so
 * every route — including ones added later and the 404 handler — runs behind it; there is no
 * per-route opt-in to forget. The opt-outs are `RouteSpec.public` (health probes, signing in and
 * out) and the web app's pages.
 */
export function installAuthGuard(app: FastifyInstance, auth: AuthRepository, sessions: SessionTokens): void {
  app.decorateRequest('viewer', null)
  app.decorateRequest('browserSession', null)
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config
    if (config?.public === true && !(config.page === true && isApiPath(request.url))) return
    const owner = await authenticate(request, auth, sessions)
    request.viewer = owner
    // Routes are matched before onRequest, so a route naming an entity is scoped here too, before
    // its body or query is even validated; services check again for doors without a path.
    const entity = (request.params as Record<string, unknown> | undefined)?.entity
    if (typeof entity === 'string') assertEntityAccess(owner, entity)
  })
}

/** An Authorization header, when present, decides alone; without one, the session cookie may. */
async function authenticate(
  request: FastifyRequest,
  auth: AuthRepository,
  sessions: SessionTokens,
): Promise<ApiKeyOwner> {
  if (request.headers.authorization !== undefined) return ownerOfKey(request, auth)
  const token = sessionTokenFrom(request.headers.cookie)
  if (token === null) return ownerOfKey(request, auth)
  const session = await sessions.verify(token)
  if (session === null)
    throw new StemmaError('UNAUTHENTICATED', 'The session is invalid or expired: sign in again.')
  const owner = await auth.findKeyOwner(session.keyHash)
  if (owner === null) {
    throw new StemmaError('UNAUTHENTICATED', 'The API key this session was signed in with no longer exists.')
  }
  const given = request.headers[CSRF_HEADER]
  if (!SAFE_METHODS.has(request.method) && !(await sessions.isCsrfToken(token, single(given)))) {
    throw new StemmaError(
      'FORBIDDEN',
      `Missing or wrong ${CSRF_HEADER} header: a request signed in by the session cookie must send the csrfToken of ${API_PREFIX}/session.`,
    )
  }
  request.browserSession = { token, csrfToken: await sessions.csrfToken(token) }
  return owner
}

async function ownerOfKey(request: FastifyRequest, auth: AuthRepository): Promise<ApiKeyOwner> {
  const key = apiKeyFrom(request)
  if (key === null) {
    throw new StemmaError(
      'UNAUTHENTICATED',
      'Missing API key: send "Authorization: Bearer <key>" (or Basic auth with user "api").',
    )
  }
  const owner = await auth.findKeyOwner(hashApiKey(key))
  if (owner === null) throw new StemmaError('UNAUTHENTICATED', 'Invalid API key.')
  return owner
}

/** Whether the path's first segment, decoded, is `api`: such paths belong to the API. */
export function isApiPath(url: string): boolean {
  const path = url.split('?')[0]!
  let decoded = path
  try {
    decoded = decodeURIComponent(path)
  } catch {
    // Not valid percent-encoding: judge the path as written.
  }
  return decoded.split('/')[1] === 'api'
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value)

/** Accepts `Bearer <key>` and W&B's `Basic base64("api:<key>")`; the Basic username is ignored. */
export function apiKeyFrom(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (typeof header !== 'string') return null
  const space = header.indexOf(' ')
  if (space < 0) return null
  const scheme = header.slice(0, space).toLowerCase()
  const credentials = header.slice(space + 1).trim()
  let key: string
  if (scheme === 'bearer') {
    key = credentials
  } else if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return null
    key = decoded.slice(colon + 1)
  } else {
    return null
  }
  return key.length > 0 && key.length <= MAX_KEY_LENGTH ? key : null
}

/** The viewer of an authenticated request; the guard guarantees one exists. */
export function viewerOf(request: FastifyRequest): ApiKeyOwner {
  if (request.viewer === null) throw new StemmaError('UNAUTHENTICATED', 'Missing API key.')
  return request.viewer
}
