import { createHash } from 'node:crypto'
import type { BlobBody } from './blob-store.js'

/**
 * Hands a body on chunk by chunk while hashing and counting it, so a store can write a stream of
 * any size without holding it in memory. `bodyError` tells a failure of the body itself (a client
 * that went away) apart from a failure of the backend it was being written to.
 */
export class DigestingBody {
  private readonly hash = createHash('sha256')
  private bytes = 0
  bodyError: unknown = undefined

  constructor(private readonly body: BlobBody) {}

  async *chunks(): AsyncGenerator<Buffer> {
    if (this.body instanceof Uint8Array) {
      yield this.take(this.body)
      return
    }
    try {
      for await (const chunk of this.body) yield this.take(toBuffer(chunk))
    } catch (err) {
      this.bodyError = err
      throw err
    }
  }

  /** Only meaningful once `chunks()` has run to its end. */
  digest(): { sha256: string; size: number } {
    return { sha256: this.hash.digest('hex'), size: this.bytes }
  }

  private take(chunk: Uint8Array): Buffer {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.hash.update(buffer)
    this.bytes += buffer.byteLength
    return buffer
  }
}

function toBuffer(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  // A stream with an encoding set yields strings; the bytes stored are their UTF-8 form.
  if (typeof chunk === 'string') return Buffer.from(chunk)
  throw new TypeError('a blob body must yield bytes')
}
