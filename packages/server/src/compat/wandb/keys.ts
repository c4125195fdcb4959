import { flatten, SUMMARY_AGGREGATIONS } from '@stemma/core'

const isMedia = (v: Record<string, unknown>) => typeof v._type === 'string'
const AGGREGATIONS = new Set<string>(SUMMARY_AGGREGATIONS)

/**
 * W&B names nested keys with dots (`{"dict": {"val1": 1}}` is `dict.val1`), and a media object
 * (`{"_type": "image-file", …}`) is one value, not a namespace.
 */
export function flattenWandb(data: Record<string, unknown>): Record<string, unknown> {
  return flatten(data, {}, { separator: '.', isLeaf: isMedia })
}

/**
 * A summary flattens the same way, except that a metric's aggregates (`{"min": 0.1, "max": 0.9}`,
 * from `define_metric(summary=…)`) stay one value, as stemma's own summary keeps them.
 */
export function flattenWandbSummary(data: Record<string, unknown>): Record<string, unknown> {
  const isAggregates = (v: Record<string, unknown>) => {
    const keys = Object.keys(v)
    return keys.length > 0 && keys.every((k) => AGGREGATIONS.has(k))
  }
  return flatten(data, {}, { separator: '.', isLeaf: (v) => isMedia(v) || isAggregates(v) })
}
