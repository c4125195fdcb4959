import type { FastifyInstance, FastifyRequest } from 'fastify'
import { StemmaError } from '@stemma/core'
import type { ApiKeyOwner, AuthRepository } from '@stemma/store'
import { assertEntityAccess } from './access.js'
import { hashApiKey } from './keys.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on every request that reaches a handler. */
    viewer: ApiKeyOwner | null
  }
  interface FastifyContextConfig {
    /** Set only by the route registry, from `RouteSpec.public`. */
    public?: boolean
  }
}

const MAX_KEY_LENGTH = 512

/**
 * The one default-deny guard. It is a root `onRequest` hook added before any route exists, so
 * every route — including ones added later and the 404 handler — runs behind it; there is no
 * per-route opt-in to forget. The one opt-out is `RouteSpec.public`, for health probes.
 */
export function installAuthGuard(app: FastifyInstance, auth: AuthRepository): void {
  app.decorateRequest('viewer', null)
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public === true) return
    const key = apiKeyFrom(request)
    if (key === null) {
      throw new StemmaError(
        'UNAUTHENTICATED',
        'Missing API key: send "Authorization: Bearer <key>" (or Basic auth with user "api").',
      )
    }
    const owner = await auth.findKeyOwner(hashApiKey(key))
    if (owner === null) throw new StemmaError('UNAUTHENTICATED', 'Invalid API key.')
    request.viewer = owner
    // Routes are matched before onRequest, so a route naming an entity is scoped here too, before
    // its body or query is even validated; services check again for doors without a path.
    const entity = (request.params as Record<string, unknown> | undefined)?.entity
    if (typeof entity === 'string') assertEntityAccess(owner, entity)
  })
}

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
