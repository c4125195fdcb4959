import { StemmaError } from './errors.js'

const MAX_DEPTH = 32

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Nested plain objects become `a/b` keys, as W&B shows them in UI sections. Arrays and other
 * objects are leaves: they are values, not namespaces.
 */
export function flatten(
  data: Record<string, unknown>,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  flattenInto(data, '', out, 0)
  return out
}

function flattenInto(
  data: Record<string, unknown>,
  prefix: string,
  out: Record<string, unknown>,
  depth: number,
) {
  if (depth > MAX_DEPTH) {
    throw new StemmaError('VALIDATION_FAILED', `Logged data is nested deeper than ${MAX_DEPTH} levels.`)
  }
  for (const key in data) {
    const value = data[key]
    if (value === undefined) continue
    const name = prefix === '' ? key : `${prefix}/${key}`
    if (isPlainObject(value)) flattenInto(value, name, out, depth + 1)
    else out[name] = value
  }
}
