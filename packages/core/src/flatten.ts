import { StemmaError } from './errors.js'

const MAX_DEPTH = 32

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export interface FlattenOptions {
  /** Joins nested keys; `/` (W&B shows such keys in UI sections), W&B's own clients use `.`. */
  separator?: string
  /** A plain object this says is a value (a media descriptor, say) is kept whole, not descended into. */
  isLeaf?: (value: Record<string, unknown>) => boolean
}

/**
 * Nested plain objects become `a/b` keys, as W&B shows them in UI sections. Arrays and other
 * objects are leaves: they are values, not namespaces.
 */
export function flatten(
  data: Record<string, unknown>,
  out: Record<string, unknown> = {},
  options: FlattenOptions = {},
): Record<string, unknown> {
  flattenInto(data, '', out, 0, options.separator ?? '/', options.isLeaf)
  return out
}

function flattenInto(
  data: Record<string, unknown>,
  prefix: string,
  out: Record<string, unknown>,
  depth: number,
  separator: string,
  isLeaf: FlattenOptions['isLeaf'],
) {
  if (depth > MAX_DEPTH) {
    throw new StemmaError('VALIDATION_FAILED', `Logged data is nested deeper than ${MAX_DEPTH} levels.`)
  }
  for (const key in data) {
    const value = data[key]
    if (value === undefined) continue
    const name = prefix === '' ? key : `${prefix}${separator}${key}`
    if (isPlainObject(value) && !(isLeaf?.(value) ?? false))
      flattenInto(value, name, out, depth + 1, separator, isLeaf)
    else out[name] = value
  }
}
