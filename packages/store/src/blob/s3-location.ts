/** Bucket names and prefix segments: URL-safe characters, starting with a letter or digit. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export function validBucket(bucket: string): string {
  if (!NAME.test(bucket)) throw new Error('the S3 bucket name is not valid')
  return bucket
}

/**
 * `a/b/` → `a/b`. Restricting segments to NAME means object keys (and CopyObject's `bucket/key`
 * source) never need escaping, and a prefix cannot hold `.` or `..` segments.
 */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '')
  if (!trimmed) return ''
  if (!trimmed.split('/').every((segment) => NAME.test(segment))) {
    throw new Error('the S3 prefix may only hold letters, digits, ".", "_", "-" and "/"')
  }
  return trimmed
}

/** For error messages: the endpoint without user info or query, which could carry secrets. */
export function describeEndpoint(endpoint: string | undefined, region: string | undefined): string {
  if (!endpoint) return `AWS S3 (${region ?? 'default region'})`
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new Error('the S3 endpoint is not a valid URL')
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`
}
