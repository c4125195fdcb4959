/** How a line is smoothed; the raw line stays drawn, faint, behind the smoothed one. */
export type Smoothing =
  | { kind: 'none' }
  /** Exponential moving average weighted by the x distance between points, debiased at the start. */
  | { kind: 'ema'; weight: number }
  /** Mean of the last `window` points. */
  | { kind: 'average'; window: number }
  /** Gaussian kernel over x with standard deviation `sigma` (in x units). */
  | { kind: 'gaussian'; sigma: number }

export function parseSmoothing(text: string | null): Smoothing {
  const [kind, arg] = (text ?? '').split(':')
  const n = Number(arg)
  if (kind === 'ema' && n >= 0 && n < 1) return { kind: 'ema', weight: n }
  if (kind === 'avg' && Number.isInteger(n) && n >= 1) return { kind: 'average', window: n }
  if (kind === 'gauss' && n > 0) return { kind: 'gaussian', sigma: n }
  return { kind: 'none' }
}

export function formatSmoothing(s: Smoothing): string | null {
  if (s.kind === 'ema') return `ema:${s.weight}`
  if (s.kind === 'average') return `avg:${s.window}`
  if (s.kind === 'gaussian') return `gauss:${s.sigma}`
  return null
}

/** Smooths `ys` over `xs` (ascending); nulls and non-finite values pass through and are skipped. */
export function smooth(xs: ArrayLike<number>, ys: ArrayLike<number | null>, s: Smoothing): (number | null)[] {
  switch (s.kind) {
    case 'none':
      return Array.from(ys)
    case 'ema':
      return ema(xs, ys, s.weight)
    case 'average':
      return runningAverage(ys, s.window)
    case 'gaussian':
      return gaussian(xs, ys, s.sigma)
  }
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v)

/**
 * Uneven spacing (M4 points, logging gaps) must not make the average jump: the decay is applied
 * per unit of x, scaled so that evenly spaced points get exactly `weight`, with the usual
 * debiasing so the first points are not pulled towards zero.
 */
function ema(xs: ArrayLike<number>, ys: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = new Array(ys.length).fill(null)
  let spacing = 0
  let count = 0
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i]! - xs[i - 1]!
    if (d > 0) {
      spacing += d
      count++
    }
  }
  const unit = count > 0 ? spacing / count : 1
  let acc = 0
  let norm = 0
  let lastX: number | undefined
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]
    if (!finite(y)) continue
    const decay = lastX === undefined ? 0 : Math.pow(weight, Math.max(0, xs[i]! - lastX) / unit)
    acc = acc * decay + (1 - weight) * y
    norm = norm * decay + (1 - weight)
    lastX = xs[i]!
    out[i] = norm > 0 ? acc / norm : y
  }
  return out
}

function runningAverage(ys: ArrayLike<number | null>, window: number): (number | null)[] {
  const out: (number | null)[] = new Array(ys.length).fill(null)
  const recent: number[] = []
  let sum = 0
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]
    if (!finite(y)) continue
    recent.push(y)
    sum += y
    if (recent.length > window) sum -= recent.shift()!
    out[i] = sum / recent.length
  }
  return out
}

function gaussian(xs: ArrayLike<number>, ys: ArrayLike<number | null>, sigma: number): (number | null)[] {
  const out: (number | null)[] = new Array(ys.length).fill(null)
  const reach = 3 * sigma
  let lo = 0
  for (let i = 0; i < ys.length; i++) {
    if (!finite(ys[i])) continue
    const x = xs[i]!
    while (xs[lo]! < x - reach) lo++
    let sum = 0
    let weights = 0
    for (let j = lo; j < ys.length && xs[j]! <= x + reach; j++) {
      const y = ys[j]
      if (!finite(y)) continue
      const w = Math.exp(-((xs[j]! - x) ** 2) / (2 * sigma * sigma))
      sum += w * y
      weights += w
    }
    out[i] = sum / weights
  }
  return out
}
