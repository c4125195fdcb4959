import type { View } from '@stemma/core'

/** One view part clipped to a query's step range: read `segmentId` for steps in [lo, hi]. */
export interface PartRange {
  segmentId: number
  lo: number
  hi: number
}

/**
 * The parts of a view that overlap [minStep, maxStep], each clipped to it. Parts never overlap
 * and are ordered, so reading them in turn yields points in step order.
 */
export function partRanges(view: View, minStep = 0, maxStep = Infinity): PartRange[] {
  const out: PartRange[] = []
  for (const part of view) {
    const lo = Math.max(part.fromStep, minStep)
    // An open part ends at the largest step SQL integers and doubles both hold exactly.
    const hi = Math.min(part.toStep ?? Number.MAX_SAFE_INTEGER, maxStep)
    if (lo <= hi) out.push({ segmentId: part.segmentId, lo, hi })
  }
  return out
}
