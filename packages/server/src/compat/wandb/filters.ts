import { isPlainObject, StemmaError, type RunFilter } from '@stemma/core'
import { parseJsonObject } from './extended-json.js'

/** Fields that W&B's public API names differently from stemma's run listing. */
const FIELDS: Record<string, string> = {
  name: 'id',
  display_name: 'displayName',
  created_at: 'createdAt',
  heartbeat_at: 'heartbeatAt',
  job_type: 'jobType',
  host: 'metadata.host',
}
const TIME_FIELDS = new Set(['createdAt', 'heartbeatAt'])

/**
 * W&B's field path in stemma's terms: `config.lr.value` and `config.lr` are the config key,
 * `summary_metrics.loss` the summary key, `name` the run id.
 */
export function fieldOf(path: string): string {
  if (path.startsWith('config.')) return path.replace(/\.value$/, '')
  if (path.startsWith('summary_metrics.')) return `summary.${path.slice('summary_metrics.'.length)}`
  return FIELDS[path] ?? path
}

/**
 * A `runs(filters:)` argument in stemma's filter language, which is the same MongoDB shape:
 * fields are renamed, `$nor` becomes `$not` of `$or`, and times given as ISO strings become the
 * Unix milliseconds stemma compares.
 */
export function translateFilters(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined || text === '') return undefined
  const filter = translate(parseJsonObject(text, 'filters'), 0)
  return Object.keys(filter).length === 0 ? undefined : JSON.stringify(filter)
}

function translate(filter: Record<string, unknown>, depth: number): RunFilter {
  if (depth > 8) throw new StemmaError('VALIDATION_FAILED', 'filters are nested too deeply.')
  const out: RunFilter = {}
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(cond)) throw new StemmaError('VALIDATION_FAILED', `${key} takes a list of filters.`)
      const parts = cond.map((c) => (isPlainObject(c) ? translate(c, depth + 1) : c))
      if (key === '$nor') out.$not = { $or: parts }
      else out[key] = parts
    } else if (key.startsWith('$')) {
      out[key] = cond
    } else {
      const field = fieldOf(key)
      out[field] = TIME_FIELDS.has(field) ? timesIn(cond) : cond
    }
  }
  return out
}

function timesIn(cond: unknown): unknown {
  // W&B's times are UTC, with or without a zone.
  const ms = (v: unknown) => {
    if (typeof v !== 'string') return v
    const t = Date.parse(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(v) || !v.includes('T') ? v : `${v}Z`)
    return Number.isNaN(t) ? v : t
  }
  if (!isPlainObject(cond)) return ms(cond)
  return Object.fromEntries(
    Object.entries(cond).map(([op, arg]) => [op, Array.isArray(arg) ? arg.map(ms) : ms(arg)]),
  )
}

/** `[+|-]field`, W&B's order (ascending by default), as stemma's `[-]field`. */
export function translateOrder(order: string | null | undefined): string {
  const text = order === null || order === undefined || order === '' ? '+created_at' : order
  const descending = text.startsWith('-')
  const field = fieldOf(text.replace(/^[+-]/, ''))
  return descending ? `-${field}` : field
}
