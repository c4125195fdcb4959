import type uPlot from 'uplot'
import type { Options } from 'uplot'
import { withAlpha } from './colors'
import type { ChartRun } from './LineChart'

/** uPlot's options for one panel: a line per run (or a line over a band), zoom by selection. */
export function chartOptions(o: {
  runs: ChartRun[]
  readout: React.RefObject<HTMLDivElement | null>
  banded: boolean
  width: number
  height: number
  logX: boolean
  logY: boolean
  time: boolean
  stepAxis: boolean
  onZoomRef: React.RefObject<(range: [number, number] | null) => void>
}): Options {
  const series: Options['series'] = [{}]
  const bands: NonNullable<Options['bands']> = []
  for (const run of o.runs) {
    if (o.banded) {
      const at = series.length
      // Faint edges: a band one bucket wide (a spike) is still seen as a line to its top.
      const edge = { stroke: withAlpha(run.color, 0.35), width: 1, spanGaps: true, points: { show: false } }
      series.push({ label: run.name, stroke: run.color, width: 1.5, spanGaps: true, points: { show: false } })
      series.push({ ...edge, label: `${run.name} min` }, { ...edge, label: `${run.name} max` })
      bands.push({ series: [at + 2, at + 1], fill: withAlpha(run.color, 0.18) })
      continue
    }
    series.push({ label: run.name, stroke: run.color, width: 1.5, spanGaps: true, points: { show: false } })
  }
  const css = getComputedStyle(document.documentElement)
  const muted = css.getPropertyValue('--muted').trim() || '#6b7280'
  const grid = css.getPropertyValue('--grid').trim() || '#e5e7eb'
  const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
  return {
    width: o.width,
    height: o.height,
    series,
    bands,
    legend: { show: false },
    scales: {
      x: { time: o.time, ...(o.logX && { distr: 3 }) },
      y: o.logY ? { distr: 3 } : {},
    },
    axes: [axis, { ...axis, size: 60 }],
    cursor: {
      sync: { key: 'stemma-panels', setSeries: true },
      drag: { x: true, y: false, setScale: false },
      focus: { prox: 24 },
    },
    focus: { alpha: 0.35 },
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 3) return
          const a = u.posToVal(u.select.left, 'x')
          const b = u.posToVal(u.select.left + u.select.width, 'x')
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
          o.onZoomRef.current?.([a, b])
        },
      ],
      setCursor: [(u) => showReadout(u, o.runs, o.banded ? 3 : 1, 0, o.readout.current)],
      draw: o.time || o.stepAxis === false ? [] : [(u) => drawForkMarks(u, o.runs)],
    },
  }
}

/**
 * The value under the cursor of the run drawn nearest to it, written straight into the
 * readout element: cursor moves must not re-render React.
 */
function showReadout(
  u: uPlot,
  runs: ChartRun[],
  perRun: number,
  offset: number,
  el: HTMLDivElement | null,
): void {
  if (!el) return
  const i = u.cursor.idx
  if (i === null || i === undefined || u.cursor.top === undefined || u.cursor.top < 0) {
    el.textContent = ''
    return
  }
  let best: { name: string; value: number; distance: number } | null = null
  runs.forEach((run, r) => {
    const value = u.data[1 + r * perRun + offset]?.[i]
    if (value === null || value === undefined) return
    const distance = Math.abs(u.valToPos(value, 'y') - u.cursor.top!)
    if (!best || distance < best.distance) best = { name: run.name, value, distance }
  })
  const x = u.data[0][i]!
  const found = best as { name: string; value: number } | null
  el.textContent = found ? `${formatNumber(x)} · ${found.name}: ${formatNumber(found.value)}` : ''
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString() : v.toPrecision(5)
}

/** A dashed vertical line where each forked run branched off its parent. */
function drawForkMarks(u: uPlot, runs: ChartRun[]): void {
  const ctx = u.ctx
  for (const run of runs) {
    if (run.forkStep === null) continue
    const x = Math.round(u.valToPos(run.forkStep, 'x', true))
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue
    ctx.save()
    ctx.strokeStyle = run.color
    ctx.setLineDash([4, 4])
    ctx.beginPath()
    ctx.moveTo(x, u.bbox.top)
    ctx.lineTo(x, u.bbox.top + u.bbox.height)
    ctx.stroke()
    ctx.restore()
  }
}
