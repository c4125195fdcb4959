import { randomBytes } from 'node:crypto'
import { StemmaError } from '@stemma/core'

/**
 * Blob keys are assigned by the store, never by a client: 16 random bytes as 32 lowercase hex
 * digits, split after the first two (`ab/cdef…`) so a directory holds at most 256 entries at the
 * top level. Anything accepted back from outside must match this shape exactly, which is what
 * keeps a client-supplied key from naming a path outside the store's root.
 */
const BLOB_KEY = /^[0-9a-f]{2}\/[0-9a-f]{30}$/

export function newBlobKey(): string {
  const hex = randomBytes(16).toString('hex')
  return `${hex.slice(0, 2)}/${hex.slice(2)}`
}

export function isBlobKey(key: unknown): key is string {
  return typeof key === 'string' && BLOB_KEY.test(key)
}

export function assertBlobKey(key: unknown): asserts key is string {
  // The rejected value is not echoed: it is client input and may be arbitrarily long or binary.
  if (!isBlobKey(key)) throw new StemmaError('VALIDATION_FAILED', 'not a blob key')
}
