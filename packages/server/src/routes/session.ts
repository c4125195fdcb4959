import type { FastifyInstance, FastifyRequest } from 'fastify'
import { API_PREFIX, StemmaError, type SessionRequest, type SessionResponse } from '@stemma/core'
import type { ApiKeyOwner } from '@stemma/store'
import { clearedSessionCookie, sessionCookie } from '../auth/cookies.js'
import { viewerOf } from '../auth/guard.js'
import { hashApiKey } from '../auth/keys.js'
import { SESSION_TTL_S, type SessionTokens } from '../auth/session.js'
import type { ServiceContext } from '../services/context.js'
import { ref } from './openapi-schemas.js'
import type { RouteRegistry } from './registry.js'
import { sessionBody } from './schemas.js'

const body = (owner: ApiKeyOwner, csrfToken: string | null): SessionResponse => ({
  username: owner.username,
  entity: owner.username,
  isAdmin: owner.isAdmin,
  csrfToken,
})

/**
 * Signing the web app in and out. Signing in is public (it is where a key is first shown); a
 * page on another site cannot do it for a visitor, because only `application/json` bodies are
 * parsed and the API answers no CORS preflight.
 */
export function sessionRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  sessions: SessionTokens,
  routes: RouteRegistry,
): void {
  const secure = () => ctx.publicUrl().startsWith('https:')
  const url = `${API_PREFIX}/session`

  routes.add<{ Body: SessionRequest }>(
    app,
    {
      method: 'POST',
      url,
      tag: 'auth',
      summary: 'Sign a browser in with an API key: sets the stemma_session cookie (7 days)',
      public: true,
      body: sessionBody,
      responses: { 200: { description: 'Signed in', schema: ref('SessionResponse') } },
    },
    async (request, reply) => {
      const keyHash = hashApiKey(request.body.apiKey)
      const owner = await ctx.store.auth.findKeyOwner(keyHash)
      if (owner === null) throw new StemmaError('UNAUTHENTICATED', 'Invalid API key.')
      const token = await sessions.issue(keyHash)
      reply.header('set-cookie', sessionCookie(token, { maxAgeS: SESSION_TTL_S, secure: secure() }))
      reply.header('cache-control', 'no-store')
      return body(owner, await sessions.csrfToken(token))
    },
  )

  routes.add(
    app,
    {
      method: 'GET',
      url,
      tag: 'auth',
      summary: 'Who is signed in, and the CSRF token of the session cookie (null without one)',
      responses: { 200: { description: 'The signed-in user', schema: ref('SessionResponse') } },
    },
    async (request: FastifyRequest, reply) => {
      reply.header('cache-control', 'no-store')
      return body(viewerOf(request), request.browserSession?.csrfToken ?? null)
    },
  )

  routes.add(
    app,
    {
      method: 'DELETE',
      url,
      tag: 'auth',
      // Public so a browser holding an expired or revoked session can still drop its cookie.
      summary: 'Sign the browser out: clears the stemma_session cookie',
      public: true,
      responses: { 204: { description: 'Signed out' } },
    },
    async (_request, reply) => {
      reply.header('set-cookie', clearedSessionCookie(secure()))
      return reply.code(204).send()
    },
  )
}
