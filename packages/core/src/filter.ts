import { StemmaError } from './errors.js'
import { isPlainObject } from './flatten.js'
import { deepEqual } from './config.js'

/**
 * Run filters in the MongoDB-like shape W&B's public API uses:
 * `{ state: 'finished', 'config.lr': { $gt: 0.01 }, $or: [{ tags: 'best' }, { group: 'a' }] }`.
 * Field paths are resolved by the caller, so the same filter runs over any run representation.
 */
export type RunFilter = Record<string, unknown>
export type FieldResolver = (path: string) => unknown

/** Every condition operator a filter may use (the web app's filter builder offers these). */
export const FILTER_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$regex',
  '$contains',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]
const OPERATORS: readonly string[] = FILTER_OPERATORS
const MAX_FILTER_DEPTH = 8

/** Checks the filter's shape once, so matching never throws halfway through a listing. */
export function validateFilter(filter: unknown, depth = 0): RunFilter {
  if (!isPlainObject(filter)) throw new StemmaError('VALIDATION_FAILED', 'filter must be a JSON object.')
  if (depth > MAX_FILTER_DEPTH) throw new StemmaError('VALIDATION_FAILED', 'filter is nested too deeply.')
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(cond)) throw new StemmaError('VALIDATION_FAILED', `${key} takes a list of filters.`)
      cond.forEach((f) => validateFilter(f, depth + 1))
    } else if (key === '$not') {
      validateFilter(cond, depth + 1)
    } else if (key.startsWith('$')) {
      throw new StemmaError('VALIDATION_FAILED', `Unknown filter operator ${key}.`)
    } else if (isPlainObject(cond)) {
      for (const [op, arg] of Object.entries(cond)) {
        if (!OPERATORS.includes(op)) {
          throw new StemmaError(
            'VALIDATION_FAILED',
            `Unknown operator ${op} on ${key}; use one of ${OPERATORS.join(', ')}.`,
          )
        }
        if ((op === '$in' || op === '$nin') && !Array.isArray(arg)) {
          throw new StemmaError('VALIDATION_FAILED', `${op} on ${key} takes a list.`)
        }
        if (op === '$regex') {
          try {
            new RegExp(String(arg))
          } catch {
            throw new StemmaError('VALIDATION_FAILED', `$regex on ${key} is not a valid regular expression.`)
          }
        }
      }
    }
  }
  return filter
}

export function matchesFilter(filter: RunFilter, resolve: FieldResolver): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' && !(cond as RunFilter[]).every((f) => matchesFilter(f, resolve))) return false
    if (key === '$or' && !(cond as RunFilter[]).some((f) => matchesFilter(f, resolve))) return false
    if (key === '$not' && matchesFilter(cond as RunFilter, resolve)) return false
    if (key.startsWith('$')) continue
    if (!matchesCondition(resolve(key), cond)) return false
  }
  return true
}

function matchesCondition(value: unknown, cond: unknown): boolean {
  if (!isPlainObject(cond)) return equalsOrContains(value, cond)
  for (const [op, arg] of Object.entries(cond)) {
    if (!matchesOperator(value, op, arg)) return false
  }
  return true
}

/** A list field (tags) matches a scalar when it contains it, as in MongoDB. */
function equalsOrContains(value: unknown, arg: unknown): boolean {
  if (Array.isArray(value) && !Array.isArray(arg)) return value.some((v) => deepEqual(v, arg))
  return deepEqual(value, arg)
}

function matchesOperator(value: unknown, op: string, arg: unknown): boolean {
  switch (op) {
    case '$eq':
      return equalsOrContains(value, arg)
    case '$ne':
      return !equalsOrContains(value, arg)
    case '$gt':
      return compare(value, arg) > 0
    case '$gte':
      return compare(value, arg) >= 0
    case '$lt':
      return compare(value, arg) < 0
    case '$lte':
      return compare(value, arg) <= 0
    case '$in':
      return (arg as unknown[]).some((a) => equalsOrContains(value, a))
    case '$nin':
      return !(arg as unknown[]).some((a) => equalsOrContains(value, a))
    case '$exists':
      return (value !== undefined && value !== null) === Boolean(arg)
    case '$regex':
      return typeof value === 'string' && new RegExp(String(arg)).test(value)
    case '$contains':
      return (
        typeof value === 'string' &&
        typeof arg === 'string' &&
        value.toLowerCase().includes(arg.toLowerCase())
      )
    default:
      return false
  }
}

/** NaN when incomparable, which fails every ordered comparison. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return NaN
}

/** Resolves `config.lr`, `summary.loss/min` style paths on a run-shaped object. */
export function resolvePath(record: Record<string, unknown>, path: string): unknown {
  const dot = path.indexOf('.')
  if (dot < 0) return record[path]
  const head = record[path.slice(0, dot)]
  if (!isPlainObject(head)) return undefined
  const rest = path.slice(dot + 1)
  if (rest in head) return head[rest]
  return resolvePath(head, rest)
}
