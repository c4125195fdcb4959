import { StemmaError } from '@stemma/core'
import type { BlobRange } from './blob-store.js'

/** S3 refuses presigned URLs valid for longer than seven days; both stores share that bound. */
export const MAX_SIGNED_URL_TTL_S = 7 * 24 * 3600

export function assertRange(range: BlobRange): void {
  const { start, end } = range
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new StemmaError('VALIDATION_FAILED', 'range start must be a non-negative integer')
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new StemmaError('VALIDATION_FAILED', 'range end must be an integer at or after its start')
  }
}

export function assertTtl(ttlS: number): void {
  if (!Number.isSafeInteger(ttlS) || ttlS < 1 || ttlS > MAX_SIGNED_URL_TTL_S) {
    throw new StemmaError('VALIDATION_FAILED', `ttlS must be an integer from 1 to ${MAX_SIGNED_URL_TTL_S}`)
  }
}

// type/subtype with optional parameters, printable ASCII only: it ends up in an HTTP header.
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;[\x20-\x7e]*)?$/

export function assertContentType(contentType: string | undefined): void {
  if (contentType !== undefined && !CONTENT_TYPE.test(contentType)) {
    throw new StemmaError('VALIDATION_FAILED', 'contentType must look like type/subtype')
  }
}
