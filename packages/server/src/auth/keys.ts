import { createHash, randomBytes } from 'node:crypto'

const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const KEY_LENGTH = 40
// 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every character equally likely.
const UNBIASED_BYTE_LIMIT = 252

/** `local-` + 40 characters of [a-z0-9] from the OS CSPRNG (~206 bits). */
export function generateApiKey(): string {
  let key = 'local-'
  while (key.length < 6 + KEY_LENGTH) {
    for (const byte of randomBytes(64)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue
      key += KEY_ALPHABET[byte % KEY_ALPHABET.length]
      if (key.length === 6 + KEY_LENGTH) break
    }
  }
  return key
}

/** Keys are stored only as this digest, so a leaked database does not leak working keys. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}
