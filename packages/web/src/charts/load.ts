import type { BucketsResponse } from '@stemma/core'
import { api, seg } from '../api/client'
import { m4Points, mapX, type Points } from './m4-points'

/** What a chart plots its lines against: steps, time, or another logged series. */
export type XAxis = '_step' | '_runtime' | '_timestamp' | (string & {})

export interface SeriesQuery {
  entity: string
  project: string
  runId: string
  archive?: number | undefined
  key: string
  xAxis: XAxis
  minStep?: number | undefined
  maxStep?: number | undefined
  /** About one per horizontal pixel. */
  buckets: number
}

export function loadBuckets(q: SeriesQuery, key: string, signal?: AbortSignal): Promise<BucketsResponse> {
  return api<BucketsResponse>(`/runs/${seg(q.entity)}/${seg(q.project)}/${seg(q.runId)}/history/buckets`, {
    query: { key, minStep: q.minStep, maxStep: q.maxStep, buckets: q.buckets, archive: q.archive },
    ...(signal && { signal }),
  })
}

/** A run's line for one metric, at the resolution asked for; an absent metric is no points. */
export async function loadSeries(
  q: SeriesQuery,
  signal?: AbortSignal,
): Promise<Points & { lastStep: number }> {
  const y = await loadBuckets(q, q.key, signal)
  const points = m4Points(y)
  const lastStep = y.data.lastStep.at(-1) ?? -1
  if (q.xAxis === '_step') return { ...points, lastStep }
  // The same grid for the axis series, so each bucket of one maps onto the same bucket of the other.
  const x = await loadBuckets(
    { ...q, minStep: y.minStep, maxStep: y.maxStep, buckets: y.buckets },
    q.xAxis,
    signal,
  )
  return { ...mapX(points, y, x), lastStep }
}
