import type { FastifyInstance } from 'fastify'

/**
 * Makes a plugin scope take every body as a raw stream: uploads are bytes of any type, a JSON file
 * included, and nothing in such a scope parses them.
 */
export function rawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
}
