const TICKS = '▁▂▃▄▅▆▇█'
const WIDTH = 32

/** A one-line picture of a series, resampled deterministically to at most `width` characters. */
export function sparkline(points: readonly number[], width = WIDTH): string {
  const finite = points.filter((p) => Number.isFinite(p))
  if (finite.length === 0) return ''
  const n = Math.min(width, finite.length)
  const sampled: number[] = []
  for (let i = 0; i < n; i++)
    sampled.push(finite[n === 1 ? 0 : Math.round((i * (finite.length - 1)) / (n - 1))]!)
  let min = Infinity
  let max = -Infinity
  for (const v of sampled) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const span = max - min
  return sampled
    .map((v) => TICKS[span === 0 ? 0 : Math.round(((v - min) / span) * (TICKS.length - 1))])
    .join('')
}

export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value)
    return String(Number(value.toPrecision(5)))
  }
  if (typeof value === 'string') return value.length > 60 ? `${value.slice(0, 57)}...` : value
  try {
    const text = JSON.stringify(value)
    return text.length > 60 ? `${text.slice(0, 57)}...` : text
  } catch {
    return String(value)
  }
}

function table(rows: Array<[string, string]>, prefix: string): string[] {
  const width = Math.min(40, Math.max(0, ...rows.map(([k]) => k.length)))
  return rows.map(([k, v]) => `${prefix} ${k.padStart(width)} ${v}`)
}

/** The end-of-run block of seed 003: a sparkline per metric, then the last values. */
export function summaryBlock(
  histories: ReadonlyArray<{ key: string; points: number[] }>,
  summary: Record<string, unknown>,
  prefix = 'stemma:',
  maxRows = 40,
): string[] {
  const lines: string[] = []
  const withLine = histories.filter((h) => h.points.length > 0).slice(0, maxRows)
  if (withLine.length > 0) {
    lines.push(`${prefix}`, `${prefix} Run history:`)
    lines.push(
      ...table(
        withLine.map((h) => [h.key, sparkline(h.points)]),
        prefix,
      ),
    )
  }
  const visible = Object.entries(summary)
    .filter(([k]) => !k.startsWith('_'))
    .slice(0, maxRows)
  if (visible.length > 0) {
    lines.push(`${prefix}`, `${prefix} Run summary:`)
    lines.push(
      ...table(
        visible.map(([k, v]) => [k, formatValue(v)]),
        prefix,
      ),
    )
  }
  if (lines.length > 0) lines.push(`${prefix}`)
  return lines
}
