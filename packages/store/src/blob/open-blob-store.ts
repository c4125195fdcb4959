import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BlobStore } from './blob-store.js'
import { FsBlobStore } from './fs-blob-store.js'
import { S3BlobStore } from './s3-blob-store.js'

export interface OpenBlobStoreOptions {
  /** The server's data directory; the default store lives in `<dataDir>/blobs`. */
  dataDir: string
  /** Signs the filesystem store's download URLs. */
  signingSecret: string
  /** Where the server serves filesystem blobs (read per URL when a function). */
  urlBase: string | (() => string)
  /** An S3-compatible endpoint (MinIO, R2…); addressed path-style, as those servers expect. */
  s3Endpoint?: string
  env?: NodeJS.ProcessEnv
}

const USAGE = 'use file:///absolute/path or s3://bucket/optional/prefix'

/**
 * The blob store a URL names: unset (or blank) → `<dataDir>/blobs`, `file:///abs/path`, or
 * `s3://bucket/optional/prefix`. Errors name the scheme at most, never the whole URL, which
 * could carry credentials.
 */
export function openBlobStore(url: string | undefined, options: OpenBlobStoreOptions): BlobStore {
  const { signingSecret, urlBase } = options
  if (url === undefined || url.trim() === '') {
    return new FsBlobStore({ root: join(options.dataDir, 'blobs'), signingSecret, urlBase })
  }
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    throw new Error(`the blob store URL is not a URL; ${USAGE}`)
  }
  if (parsed.protocol === 'file:') return new FsBlobStore({ root: filePath(parsed), signingSecret, urlBase })
  if (parsed.protocol === 's3:') return s3Store(parsed, options)
  throw new Error(`unsupported blob store URL scheme "${parsed.protocol}"; ${USAGE}`)
}

function filePath(url: URL): string {
  try {
    return fileURLToPath(url)
  } catch {
    throw new Error(`the blob store file: URL must name a local absolute path; ${USAGE}`)
  }
}

function s3Store(url: URL, options: OpenBlobStoreOptions): S3BlobStore {
  if (url.username || url.password) {
    throw new Error(
      'the blob store s3: URL must not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    )
  }
  if (!url.hostname || url.port || url.search || url.hash) {
    throw new Error(`the blob store s3: URL must be s3://bucket/optional/prefix`)
  }
  const env = options.env ?? process.env
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN } = env
  return new S3BlobStore({
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname),
    endpoint: options.s3Endpoint,
    forcePathStyle: options.s3Endpoint ? true : undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    // Keys in the given environment win; without them the SDK's own chain (profiles, roles) applies.
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(AWS_SESSION_TOKEN && { sessionToken: AWS_SESSION_TOKEN }) }
        : undefined,
  })
}
