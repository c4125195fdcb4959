import { StemmaError } from '@stemma/core'

/** Query strings arrive as text; this turns a digits-only value into a bounded integer. */
export function intQuery(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    )
  }
  return n
}

/** `a,b,c` → keys; empty entries are ignored. */
export function listQuery(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value.split(',').filter((key) => key.length > 0)
}
