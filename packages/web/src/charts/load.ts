import type { BucketsResponse } from '@stemma/core'
import { api, seg } from '../api/client'
import { m4Band, m4Points, mapX, type Band, type Points } from './m4-points'

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
): Promise<Points & { lastStep: number; band: Band }> {
  const y = await loadBuckets(q, q.key, signal)
  const points = m4Points(y)
  const band = m4Band(y)
  const lastStep = y.data.lastStep.at(-1) ?? -1
  if (q.xAxis === '_step') return { ...points, lastStep, band }
  // The same grid for the axis series, so each bucket of one maps onto the same bucket of the other.
  const x = await loadBuckets(
    { ...q, minStep: y.minStep, maxStep: y.maxStep, buckets: y.buckets },
    q.xAxis,
    signal,
  )
  const lo = mapX({ xs: band.xs, ys: band.lo }, y, x)
  const hi = mapX({ xs: band.xs, ys: band.hi }, y, x)
  return { ...mapX(points, y, x), lastStep, band: { xs: lo.xs, lo: lo.ys, hi: hi.ys } }
}
