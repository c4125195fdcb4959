import { StemmaError } from './errors.js'

export const SUMMARY_AGGREGATIONS = ['min', 'max', 'mean', 'first', 'last', 'best', 'none', 'copy'] as const
export type SummaryAggregation = (typeof SUMMARY_AGGREGATIONS)[number]
export type MetricGoal = 'minimize' | 'maximize'

/** What `defineMetric` records. `name` may be a glob such as `val/*`. */
export interface MetricDefinition {
  name: string
  stepMetric?: string
  stepSync?: boolean
  hidden?: boolean
  summary?: SummaryAggregation[]
  goal?: MetricGoal
}

export interface DefineMetricOptions {
  stepMetric?: string
  stepSync?: boolean
  hidden?: boolean
  /** Comma-separated, e.g. `'min,max'`, or a list. */
  summary?: string | SummaryAggregation[]
  goal?: MetricGoal
}

export function parseSummarySpec(
  spec: string | readonly string[] | undefined,
): SummaryAggregation[] | undefined {
  if (spec === undefined) return undefined
  const parts = (typeof spec === 'string' ? spec.split(',') : spec)
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const part of parts) {
    if (!(SUMMARY_AGGREGATIONS as readonly string[]).includes(part)) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `Unknown summary aggregation ${JSON.stringify(part)}; use any of ${SUMMARY_AGGREGATIONS.join(', ')}.`,
      )
    }
  }
  return parts as SummaryAggregation[]
}

export function defineMetric(name: string, options: DefineMetricOptions = {}): MetricDefinition {
  if (typeof name !== 'string' || name === '') {
    throw new StemmaError('VALIDATION_FAILED', 'defineMetric needs a non-empty metric name.')
  }
  if (options.goal !== undefined && options.goal !== 'minimize' && options.goal !== 'maximize') {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `goal must be 'minimize' or 'maximize'; got ${JSON.stringify(options.goal)}.`,
    )
  }
  const def: MetricDefinition = { name }
  if (options.stepMetric !== undefined) {
    def.stepMetric = options.stepMetric
    def.stepSync = options.stepSync ?? true
  } else if (options.stepSync !== undefined) def.stepSync = options.stepSync
  if (options.hidden !== undefined) def.hidden = options.hidden
  const summary = parseSummarySpec(options.summary)
  if (summary !== undefined) def.summary = summary
  if (options.goal !== undefined) def.goal = options.goal
  return def
}

const globCache = new Map<string, RegExp>()

function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob)
  if (!re) {
    re = new RegExp(
      `^${glob
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    )
    globCache.set(glob, re)
  }
  return re
}

/**
 * The definition that governs `key`: an exact name wins over globs; among globs the one defined
 * last wins, so a later, narrower `defineMetric` can refine an earlier one.
 */
export function findMetricDefinition(
  defs: readonly MetricDefinition[],
  key: string,
): MetricDefinition | undefined {
  let globMatch: MetricDefinition | undefined
  for (const def of defs) {
    if (def.name === key) return def
    if (def.name.includes('*') && globToRegExp(def.name).test(key)) globMatch = def
  }
  return globMatch
}

/** Adds or replaces a definition by name, keeping definition order. */
export function upsertMetricDefinition(
  defs: readonly MetricDefinition[],
  def: MetricDefinition,
): MetricDefinition[] {
  const out = defs.filter((d) => d.name !== def.name)
  out.push(def)
  return out
}
