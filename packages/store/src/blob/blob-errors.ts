import { StemmaError } from '@stemma/core'

export function blobNotFound(): StemmaError {
  return new StemmaError('NOT_FOUND', 'no blob with this key')
}

/** A range that starts past the last byte cannot be served, as in HTTP (416). */
export function rangeNotSatisfiable(size?: number): StemmaError {
  const what = size === undefined ? 'the end of the blob' : `the end of the blob (${size} bytes)`
  return new StemmaError(
    'VALIDATION_FAILED',
    `range starts past ${what}`,
    size === undefined ? undefined : { size },
  )
}
