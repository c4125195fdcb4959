import type { FastifyInstance } from 'fastify'
import { StemmaError } from '@stemma/core'
import { BODY_LIMIT_BYTES, checkJsonLimits } from './limits.js'

/**
 * Replaces Fastify's JSON parser so every JSON body is also held to the depth, key-count and
 * string-size limits. Plain `JSON.parse` does the parsing: the limits walk visits every key
 * anyway, so it also refuses `__proto__` / `constructor.prototype` (see limits.ts) instead of
 * a second regex scan over large history bodies.
 */
export function installJsonParser(app: FastifyInstance): void {
  // JSON only: a text/plain body would otherwise reach schemas as a string and read as a 422.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8')
      // An empty body is "no body": routes that need one say so in their schema.
      if (text === '') {
        done(null, undefined)
        return
      }
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (err) {
        done(
          new StemmaError('BAD_REQUEST', `Request body is not valid JSON: ${(err as Error).message}`),
          undefined,
        )
        return
      }
      try {
        const maxString = request.routeOptions.config?.maxStringLength
        if (typeof value === 'object' && value !== null) checkJsonLimits(value, maxString)
        done(null, value)
      } catch (limitError) {
        done(limitError as Error, undefined)
      }
    },
  )
}
