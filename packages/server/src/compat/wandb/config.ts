import { isPlainObject, type MetricDefinition, type SummaryAggregation } from '@stemma/core'
import { parseJsonObject } from './extended-json.js'

/** Where a run keeps the client's `_wandb` config block (telemetry, metrics, environment), opaquely. */
export const WANDB_METADATA_KEY = '_wandb'

export interface SplitConfig {
  /** The user's keys, unwrapped: what stemma shows as the run's config. */
  user: Record<string, unknown>
  /** The client's own `_wandb` block, or undefined when the config had none. */
  internal: Record<string, unknown> | undefined
}

/**
 * W&B configs travel wrapped, `{"lr": {"value": 0.1}, "_wandb": {"value": {...}}}`; the npm
 * client sends the user's object as it is. A config whose every value is an object with `value`
 * is read as wrapped, anything else as plain.
 */
export function splitConfig(text: string | null | undefined): SplitConfig | undefined {
  if (text === null || text === undefined) return undefined
  const parsed = parseJsonObject(text, 'config')
  const wrapped = Object.values(parsed).every((v) => isPlainObject(v) && 'value' in v)
  const user: Record<string, unknown> = {}
  let internal: Record<string, unknown> | undefined
  for (const [key, raw] of Object.entries(parsed)) {
    const value = wrapped ? (raw as { value: unknown }).value : raw
    if (key === '_wandb') internal = isPlainObject(value) ? value : {}
    else if (key !== 'wandb_version') user[key] = value
  }
  return { user, internal }
}

/** The wrapped form the clients read back (resume merges it; every value must be an object). */
export function wrapConfig(
  user: Record<string, unknown>,
  internal: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(user)) out[key] = { value }
  out._wandb = { value: internal ?? {} }
  return out
}

const SUMMARY_FIELDS: Record<number, SummaryAggregation> = {
  1: 'min',
  2: 'max',
  3: 'mean',
  4: 'best',
  5: 'last',
  6: 'none',
  7: 'copy',
  8: 'first',
}

/**
 * `define_metric` arrives as `_wandb.m`: MetricRecords encoded as protobuf field numbers
 * ("1" name, "5" 1-based index of the step metric in the same list, "6" options where 1 is
 * step_sync and 2 hidden, "7" summary fields, "8" goal). Entries stemma cannot read are skipped.
 */
export function metricsOf(internal: Record<string, unknown> | undefined): MetricDefinition[] {
  const records = internal?.m
  if (!Array.isArray(records)) return []
  const names = records.map((r) => (isPlainObject(r) && typeof r['1'] === 'string' ? r['1'] : undefined))
  const out: MetricDefinition[] = []
  records.forEach((record, i) => {
    const name = names[i]
    if (!isPlainObject(record) || name === undefined || name === '') return
    const def: MetricDefinition = { name }
    const stepIndex = record['5']
    const stepMetric = typeof stepIndex === 'number' ? names[stepIndex - 1] : undefined
    const options = Array.isArray(record['6']) ? record['6'] : []
    if (stepMetric !== undefined) {
      def.stepMetric = stepMetric
      def.stepSync = options.includes(1)
    }
    if (options.includes(2)) def.hidden = true
    const summary = (Array.isArray(record['7']) ? record['7'] : []).flatMap((f: unknown) =>
      typeof f === 'number' && SUMMARY_FIELDS[f] !== undefined ? [SUMMARY_FIELDS[f]] : [],
    )
    if (summary.length > 0) def.summary = summary
    if (record['8'] === 1) def.goal = 'minimize'
    else if (record['8'] === 2) def.goal = 'maximize'
    out.push(def)
  })
  return out
}

/** `_wandb.branch_point`: the run and step a fork (or, with the run's own id, a rewind) starts from. */
export function branchPointOf(
  internal: Record<string, unknown> | undefined,
): { runId: string; step: number } | undefined {
  const point = internal?.branch_point
  if (!isPlainObject(point) || typeof point.run_id !== 'string' || typeof point.step !== 'number')
    return undefined
  return { runId: point.run_id, step: Math.floor(point.step) }
}
