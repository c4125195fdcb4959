import type { FastifyInstance } from 'fastify'
import { createGunzip } from 'node:zlib'
import { Transform, type TransformCallback } from 'node:stream'
import { StemmaError } from '@stemma/core'

/**
 * `Content-Encoding: gzip` bodies are inflated before parsing. Fastify counts the inflated bytes
 * against the body limit (a zip bomb stops at 16 MiB) and compares `receivedEncodedLength`, kept
 * here, with Content-Length.
 */
export function installGzip(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase()
    if (encoding === undefined || encoding === '' || encoding === 'identity') return payload
    if (encoding !== 'gzip') {
      throw new StemmaError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip.`,
      )
    }
    const counter = new EncodedLengthCounter()
    const gunzip = createGunzip()
    payload.on('error', (err) => gunzip.destroy(err))
    counter.on('error', (err) => gunzip.destroy(err))
    gunzip.on('error', (err: Error & { statusCode?: number }) => {
      err.statusCode = 400
    })
    payload.pipe(counter).pipe(gunzip)
    Object.defineProperty(gunzip, 'receivedEncodedLength', { get: () => counter.bytes })
    return gunzip
  })
}

class EncodedLengthCounter extends Transform {
  bytes = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    callback(null, chunk)
  }
}
