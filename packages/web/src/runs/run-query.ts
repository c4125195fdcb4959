import { FILTER_OPERATORS, type FilterOperator } from '@stemma/core'

/** One row of the filter builder: a run field, an operator and the text typed as its value. */
export type FilterRow = [field: string, op: FilterOp, value: string]

// The server's own operator list: the builder can offer nothing the filter engine refuses.
export const FILTER_OPS = FILTER_OPERATORS
export type FilterOp = FilterOperator

export const OP_LABELS: Record<FilterOp, string> = {
  $eq: '=',
  $ne: '≠',
  $gt: '>',
  $gte: '≥',
  $lt: '<',
  $lte: '≤',
  $contains: 'contains',
  $regex: 'matches regex',
  $in: 'is one of',
  $nin: 'is none of',
  $exists: 'is set',
}

export function parseFilterRows(text: string | null): FilterRow[] {
  if (text === null) return []
  try {
    const rows = JSON.parse(text) as unknown
    if (!Array.isArray(rows)) return []
    return rows.filter(
      (r): r is FilterRow =>
        Array.isArray(r) &&
        r.length === 3 &&
        typeof r[0] === 'string' &&
        (FILTER_OPS as readonly string[]).includes(r[1]) &&
        typeof r[2] === 'string',
    )
  } catch {
    return []
  }
}

/** Typed text as the value it most likely means: numbers and booleans as such, the rest as text. */
export function typedValue(text: string): unknown {
  const t = text.trim()
  if (t === 'true') return true
  if (t === 'false') return false
  if (t === 'null') return null
  if (t !== '' && Number.isFinite(Number(t))) return Number(t)
  return text
}

/**
 * The server's filter (a MongoDB-style AST, sent as JSON and evaluated by the server's filter
 * engine: never code) for a name search plus the builder's rows, all of which must hold.
 */
export function buildFilter(search: string, rows: FilterRow[]): Record<string, unknown> | null {
  const parts: Record<string, unknown>[] = []
  if (search.trim() !== '') parts.push({ name: { $contains: search.trim() } })
  for (const [field, op, value] of rows) {
    if (field.trim() === '') continue
    let arg: unknown
    if (op === '$in' || op === '$nin') arg = value.split(',').map((v) => typedValue(v))
    else if (op === '$exists') arg = value.trim() !== 'false'
    else if (op === '$contains' || op === '$regex') arg = value
    else arg = typedValue(value)
    parts.push({ [field]: { [op]: arg } })
  }
  if (parts.length === 0) return null
  return parts.length === 1 ? parts[0]! : { $and: parts }
}
