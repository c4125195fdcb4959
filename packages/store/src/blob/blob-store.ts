import type { Readable } from 'node:stream'

export type BlobBody = Readable | Buffer | Uint8Array

export interface PutBlobOptions {
  /** Kept with the object where the backend can (S3); the filesystem store does not keep it. */
  contentType?: string
}

export interface StoredBlob {
  /** Server-assigned; see `isBlobKey`. */
  key: string
  /** Lowercase hex SHA-256 of the bytes stored. */
  sha256: string
  size: number
}

/** Byte offsets like an HTTP Range: `end` is inclusive and defaults to the last byte. */
export interface BlobRange {
  start: number
  end?: number
}

export interface BlobStat {
  size: number
  /** Present where the backend keeps it next to the bytes (S3 object metadata). */
  sha256?: string
}

export interface SignedUrlOptions {
  ttlS: number
  /** Offered to the browser as the download's file name. */
  fileName?: string
}

/** Storage for run files and artifacts: opaque bytes under keys the store assigns. */
export interface BlobStore {
  /** Streams `body` into a new blob, hashing it on the way; nothing is visible until it completes. */
  put(body: BlobBody, options?: PutBlobOptions): Promise<StoredBlob>
  /** Resolves once the blob is known to exist: a missing key rejects with `NOT_FOUND`. */
  get(key: string, range?: BlobRange): Promise<Readable>
  stat(key: string): Promise<BlobStat | null>
  /** Deleting a missing key succeeds. */
  delete(key: string): Promise<void>
  signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<string>
  /** Proves the store is reachable and writable; meant for server start. */
  check(): Promise<void>
}
