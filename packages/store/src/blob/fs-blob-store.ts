import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { StemmaError } from '@stemma/core'
import { assertContentType, assertRange, assertTtl } from './blob-arguments.js'
import { blobNotFound, rangeNotSatisfiable } from './blob-errors.js'
import { assertBlobKey, newBlobKey } from './blob-key.js'
import { signBlobUrlParams } from './blob-signature.js'
import type {
  BlobBody,
  BlobRange,
  BlobStat,
  BlobStore,
  PutBlobOptions,
  SignedUrlOptions,
  StoredBlob,
} from './blob-store.js'
import { DigestingBody } from './digesting-body.js'

export interface FsBlobStoreOptions {
  /** The directory blobs live under; created when missing. */
  root: string
  /** Key for the HMAC of signed download URLs. */
  signingSecret: string
  /**
   * Where the server serves blobs, e.g. `https://stemma.example/api/blobs`; keys are appended. A
   * function is read per URL, for servers that learn their address only after listening.
   */
  urlBase: string | (() => string)
}

/**
 * Partial writes go here, inside the root so the final rename stays on one filesystem (and is
 * therefore atomic). The name cannot collide with a key's two-hex-digit fan-out directory.
 */
const INCOMING_DIR = 'incoming'

/** Blobs as files under one directory: `<root>/ab/cdef…`. */
export class FsBlobStore implements BlobStore {
  private readonly root: string
  private readonly urlBase: () => string

  constructor(private readonly options: FsBlobStoreOptions) {
    if (!options.signingSecret) throw new Error('FsBlobStore needs a signingSecret for download URLs')
    this.root = resolve(options.root)
    const { urlBase } = options
    this.urlBase = () => (typeof urlBase === 'function' ? urlBase() : urlBase).replace(/\/+$/, '')
  }

  async put(body: BlobBody, options: PutBlobOptions = {}): Promise<StoredBlob> {
    assertContentType(options.contentType)
    const key = newBlobKey()
    const incoming = join(this.root, INCOMING_DIR)
    const partial = join(incoming, `${randomBytes(8).toString('hex')}.part`)
    const digesting = new DigestingBody(body)
    try {
      await mkdir(incoming, { recursive: true })
      const handle = await open(partial, 'wx')
      try {
        for await (const chunk of digesting.chunks()) await writeFully(handle, chunk)
        // Durable before visible: a crash after the rename must not leave an empty or short file.
        await handle.sync()
      } finally {
        await handle.close()
      }
      const path = this.pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      await rename(partial, path)
    } catch (err) {
      await rm(partial, { force: true })
      if (digesting.bodyError !== undefined) throw digesting.bodyError
      throw this.unavailable('could not write a blob', err)
    }
    return { key, ...digesting.digest() }
  }

  async get(key: string, range?: BlobRange): Promise<Readable> {
    assertBlobKey(key)
    if (range) assertRange(range)
    let handle: FileHandle
    try {
      handle = await open(this.pathOf(key), 'r')
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw blobNotFound()
      throw this.unavailable('could not read a blob', err)
    }
    if (range) {
      const { size } = await handle.stat().catch(async (err: unknown) => {
        await handle.close()
        throw err
      })
      if (range.start >= size) {
        await handle.close()
        throw rangeNotSatisfiable(size)
      }
      return handle.createReadStream({ start: range.start, end: range.end })
    }
    return handle.createReadStream()
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertBlobKey(key)
    try {
      const info = await stat(this.pathOf(key))
      return info.isFile() ? { size: info.size } : null
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null
      throw this.unavailable('could not stat a blob', err)
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key)
    await rm(this.pathOf(key), { force: true })
  }

  async signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertBlobKey(key)
    assertTtl(options.ttlS)
    const expires = Math.floor(Date.now() / 1000) + options.ttlS
    const signature = signBlobUrlParams(this.options.signingSecret, key, expires, options.fileName)
    const query = new URLSearchParams({ expires: String(expires), signature })
    if (options.fileName) query.set('filename', options.fileName)
    return `${this.urlBase()}/${key}?${query}`
  }

  async check(): Promise<void> {
    const probe = join(this.root, INCOMING_DIR, `check-${randomBytes(8).toString('hex')}`)
    try {
      await mkdir(dirname(probe), { recursive: true })
      const handle = await open(probe, 'wx')
      await handle.close()
      await rm(probe)
    } catch (err) {
      throw this.unavailable('the blob directory is not writable', err)
    }
  }

  /** Only ever called with a validated key, so the result always lies inside the root. */
  private pathOf(key: string): string {
    return join(this.root, key)
  }

  private unavailable(what: string, err: unknown): StemmaError {
    const code = errnoCode(err) ?? (err instanceof Error ? err.message : String(err))
    return new StemmaError('UNAVAILABLE', `${what} under ${this.root}: ${code}`)
  }
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset)
    offset += bytesWritten
  }
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
