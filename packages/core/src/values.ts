/**
 * Scalars (numbers and booleans) are the hot path and are stored as float64 series; every other
 * value (strings, arrays, media descriptors) is stored beside them by reference.
 */
export function isScalar(value: unknown): value is number | boolean {
  return typeof value === 'number' || typeof value === 'boolean'
}

export function scalarToNumber(value: number | boolean): number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value
}

/** JSON has no NaN or ±Infinity, so numeric wire columns carry them as these three strings. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity'

export function encodeNumber(value: number): WireNumber {
  if (Number.isFinite(value)) return value
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? 'Infinity' : '-Infinity'
}

export function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (value === 'NaN') return NaN
  if (value === 'Infinity') return Infinity
  if (value === '-Infinity') return -Infinity
  return undefined
}

/** Like JSON.stringify, but non-finite numbers survive as the wire strings above. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? encodeNumber(v) : v,
  )
}
