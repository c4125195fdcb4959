import { useEffect, useRef } from 'react'
import uPlot from 'uplot'

/** A small chart of data already in hand (system samples): x in Unix seconds. */
export function StaticChart({
  xs,
  ys,
  color,
  label,
}: {
  xs: number[]
  ys: (number | null)[]
  color: string
  label: string
}) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el) return
    const css = getComputedStyle(document.documentElement)
    const muted = css.getPropertyValue('--muted').trim() || '#6b7280'
    const grid = css.getPropertyValue('--grid').trim() || '#e5e7eb'
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const u = new uPlot(
      {
        width: el.clientWidth || 400,
        height: 180,
        legend: { show: false },
        series: [{}, { label, stroke: color, width: 1.5, spanGaps: true, points: { show: false } }],
        axes: [axis, { ...axis, size: 60 }],
        cursor: { sync: { key: 'stemma-system' } },
      },
      [xs, ys],
      el,
    )
    const observer = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 180 }))
    observer.observe(el)
    return () => {
      observer.disconnect()
      u.destroy()
    }
  }, [xs, ys, color, label])
  return <div className="chart" ref={box} aria-label={`Chart of ${label}`} />
}
