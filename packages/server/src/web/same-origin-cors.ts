import type { FastifyInstance } from 'fastify'

const ALLOWED_METHODS = 'GET, HEAD, PUT, POST, PATCH, DELETE'
const ALLOWED_HEADERS = 'Authorization, Content-Type, Range, X-CSRF-Token'

/**
 * CORS for the server's own origin only: the web app and API share it, so browsers never need
 * this, but W&B's `verify` asks whether file URLs answer a preflight from the app's origin.
 * Any other origin gets no CORS headers, so nothing is opened to other sites. A preflight is
 * answered before the key check: browsers send it without credentials.
 */
export function installSameOriginCors(app: FastifyInstance, publicUrl: () => string): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    if (origin === undefined || origin !== new URL(publicUrl()).origin) return
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin')
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return reply
        .code(204)
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .send()
    }
  })
}
