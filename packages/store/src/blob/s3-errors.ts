import { StemmaError } from '@stemma/core'
import { blobNotFound, rangeNotSatisfiable } from './blob-errors.js'

const MISSING_OBJECT = new Set(['NoSuchKey', 'NotFound'])
const MISSING_BUCKET = new Set(['NoSuchBucket'])
const REFUSED_CREDENTIALS = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidToken',
  'SignatureDoesNotMatch',
])

/**
 * Turns an SDK failure into a StemmaError. Messages are built only from the bucket, the endpoint
 * (without user info), the error's name, HTTP status and errno code: never from the SDK's own
 * message or response, which can echo request details such as the access key id.
 * A bare 404 (HEAD requests have no body to name the error) means a missing blob for object
 * requests and a missing bucket for bucket requests: `missing` says which.
 */
export function s3Failure(
  err: unknown,
  action: string,
  where: string,
  missing: 'blob' | 'bucket' = 'blob',
): StemmaError {
  const name = errorName(err)
  const status = httpStatus(err)
  if (missing === 'blob' && MISSING_OBJECT.has(name)) return blobNotFound()
  if (name === 'InvalidRange' || status === 416) return rangeNotSatisfiable()
  const fail = (code: 'UNAVAILABLE' | 'INTERNAL', reason: string) =>
    new StemmaError(code, `could not ${action} ${where}: ${reason}`)
  if (MISSING_BUCKET.has(name) || (missing === 'bucket' && status === 404)) {
    return fail('UNAVAILABLE', 'the bucket does not exist')
  }
  if (REFUSED_CREDENTIALS.has(name) || status === 403) {
    return fail('UNAVAILABLE', `access denied (${name}); check the credentials and the bucket policy`)
  }
  if (name === 'CredentialsProviderError') {
    return fail(
      'UNAVAILABLE',
      'no credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)',
    )
  }
  const errno = errnoCode(err)
  if (errno) return fail('UNAVAILABLE', `cannot reach the endpoint (${errno})`)
  if (name === 'TimeoutError') return fail('UNAVAILABLE', 'the endpoint did not answer in time')
  if (status !== undefined && status >= 500)
    return fail('UNAVAILABLE', `the server answered ${status} (${name})`)
  return fail('INTERNAL', status === undefined ? name : `${name} (HTTP ${status})`)
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error'
}

function httpStatus(err: unknown): number | undefined {
  const status = (err as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

/** Socket errors carry an errno code; a failed dual-stack connect is an AggregateError of them. */
function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
  if (err instanceof AggregateError) return errnoCode(err.errors[0])
  return undefined
}
