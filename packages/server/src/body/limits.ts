import { StemmaError } from '@stemma/core'

/** DESIGN §7: bounded inputs, checked before any handler sees the body. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024
export const MAX_JSON_DEPTH = 32
export const MAX_KEYS_PER_OBJECT = 10_000
export const MAX_STRING_LENGTH = 1_000_000

/**
 * Walks a parsed body once. Arrays of numbers (history columns) are the bulk of large bodies,
 * so scalars are skipped without a call.
 */
export function checkJsonLimits(value: unknown, maxString = MAX_STRING_LENGTH): void {
  walk(value, 1, '$', maxString)
}

function walk(value: unknown, depth: number, path: string, maxString: number): void {
  if (depth > MAX_JSON_DEPTH) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `JSON is nested deeper than ${MAX_JSON_DEPTH} levels at ${path}.`,
      {
        limit: MAX_JSON_DEPTH,
        path,
      },
    )
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === 'object' && item !== null) walk(item, depth + 1, `${path}[${i}]`, maxString)
      else if (typeof item === 'string') checkString(item, `${path}[${i}]`, maxString)
    }
    return
  }
  const record = value as Record<string, unknown>
  let keys = 0
  for (const key in record) {
    if (++keys > MAX_KEYS_PER_OBJECT) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `An object at ${path} has more than ${MAX_KEYS_PER_OBJECT} keys.`,
        {
          limit: MAX_KEYS_PER_OBJECT,
          path,
        },
      )
    }
    checkString(key, path, maxString)
    if (key === '__proto__' || (key === 'constructor' && isPrototypeCarrier(record[key]))) {
      // JSON.parse makes these own properties, harmless until some later merge copies them.
      throw new StemmaError('BAD_REQUEST', `The key ${JSON.stringify(key)} at ${path} is not allowed.`)
    }
    const item = record[key]
    if (typeof item === 'object' && item !== null)
      walk(item, depth + 1, `${path}.${key.slice(0, 64)}`, maxString)
    else if (typeof item === 'string') checkString(item, `${path}.${key.slice(0, 64)}`, maxString)
  }
}

function isPrototypeCarrier(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'prototype')
  )
}

function checkString(value: string, path: string, maxString: number): void {
  if (value.length > maxString) {
    throw new StemmaError(
      'PAYLOAD_TOO_LARGE',
      `A string at ${path} is longer than ${maxString} characters.`,
      {
        limit: maxString,
        path,
      },
    )
  }
}
