import { createHmac, timingSafeEqual } from 'node:crypto'
import { isBlobKey } from './blob-key.js'

/**
 * Signed download URLs for blobs the server serves itself:
 * `${urlBase}/${key}?expires=<unix s>&signature=<hex>[&filename=<name>]`.
 * The HMAC covers the key, the expiry and the offered file name (when there is one), so none of
 * them can be changed without the secret. Keys and expiries never contain `:`, which keeps the
 * signed string unambiguous.
 */
export function signBlobUrlParams(secret: string, key: string, expires: number, fileName?: string): string {
  const payload = fileName ? `${key}:${expires}:${fileName}` : `${key}:${expires}`
  return createHmac('sha256', secret).update(payload).digest('hex')
}

const EXPIRES = /^[0-9]{1,15}$/
const SIGNATURE = /^[0-9a-f]{64}$/

/**
 * True when `signature` was made with `secret` for this key, expiry and file name, and the expiry
 * (unix seconds) is still ahead of `nowMs`. The arguments are the URL's query values, unparsed.
 */
export function verifyBlobSignature(
  secret: string,
  key: string,
  expires: string | number,
  signature: string,
  nowMs: number,
  fileName?: string,
): boolean {
  const expiresText = String(expires)
  if (!isBlobKey(key) || !EXPIRES.test(expiresText) || !SIGNATURE.test(signature)) return false
  const expiresS = Number(expiresText)
  if (expiresS * 1000 <= nowMs) return false
  const expected = Buffer.from(signBlobUrlParams(secret, key, expiresS, fileName), 'hex')
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'))
}
