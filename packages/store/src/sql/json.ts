/**
 * JSON columns (config, summary, logged values) must keep NaN and ±Infinity, which plain JSON
 * turns into null. They are written as strings that start with U+FDD0, a Unicode noncharacter
 * (reserved for a program's internal use, so no real value starts with it). The tag was a NUL
 * before migration 4; PostgreSQL's jsonb cannot hold NUL.
 */
export const NUMBER_TAG = '\uFDD0num:'
const TAG = NUMBER_TAG

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? TAG + String(v) : v,
  )
}

export function fromJson<T = unknown>(text: string): T {
  if (!text.includes(TAG)) return JSON.parse(text) as T
  return JSON.parse(text, (_key, v) =>
    typeof v === 'string' && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v,
  ) as T
}

/** SQLite stores NaN in a REAL column as NULL; read it back as NaN. */
export function realOrNaN(value: number | null): number {
  return value === null ? NaN : value
}
