import { useEffect, useMemo, useRef, useState } from 'react'
import uPlot, { type AlignedData } from 'uplot'
import { liveEvents } from '../app/live'
import { chartOptions } from './chart-options'
import { groupLine } from './group-lines'
import { loadBuckets, loadSeries, type XAxis } from './load'
import type { Band, Points } from './m4-points'
import { formatSmoothing, smooth, type Smoothing } from './smoothing'

export interface ChartRun {
  id: string
  name: string
  color: string
  /** The step this run was forked at: marked on the chart, and where inherited points end. */
  forkStep: number | null
  /** Set on archived (pre-rewind) states, read-only. */
  archive?: number
  /** Highest committed step (a group's shared bucket grid spans its members' steps). */
  lastStep?: number | null
  /** A group of runs: drawn as their mean with a min–max band instead of as one run. */
  members?: ChartRun[]
}

export interface ChartSettings {
  xAxis: XAxis
  smoothing: Smoothing
  logX: boolean
  logY: boolean
  hideInherited: boolean
  /** A step range (x = step) or an x range (any other axis); null: everything. */
  zoom: [number, number] | null
}

interface Props {
  entity: string
  project: string
  metric: string
  runs: ChartRun[]
  settings: ChartSettings
  onZoom: (range: [number, number] | null) => void
  /** The run hovered in the table or in another chart, drawn on top. */
  highlight?: string | null
  /** Live updates append new points for these runs. */
  live?: boolean
  height?: number
}

const HEIGHT = 200
const NO_SMOOTHING: Smoothing = { kind: 'none' }
const MIN_BUCKETS = 50
const MAX_BUCKETS = 4000

/** Lines by run and archive: a run's archived states share its id. Groups carry their band. */
type Line = Points & { lastStep: number; band?: Band }
type Lines = Map<string, Line>
const lineKey = (run: ChartRun) => `${run.id}:${run.archive ?? ''}`

/** One metric over the given runs: M4 buckets at ~one per pixel, re-queried on every zoom. */
export function LineChart({
  entity,
  project,
  metric,
  runs,
  settings,
  onZoom,
  highlight,
  live,
  height = HEIGHT,
}: Props) {
  const box = useRef<HTMLDivElement>(null)
  const readout = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const [width, setWidth] = useState(0)
  const [lines, setLines] = useState<Lines | null>(null)
  const [error, setError] = useState<string | null>(null)
  const linesRef = useRef<Lines | null>(null)
  linesRef.current = lines
  const onZoomRef = useRef(onZoom)
  onZoomRef.current = onZoom
  const runKey = runs.map(lineKey).join(',')
  const { xAxis, zoom, hideInherited, smoothing, logX, logY } = settings
  const stepZoom = xAxis === '_step' ? zoom : null
  // Buckets follow the width in steps of 100 px, so resizing a window does not re-query per pixel.
  const buckets = Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.ceil(width / 100) * 100))

  useEffect(() => {
    const el = box.current
    if (!el) return
    const observer = new ResizeObserver(() => setWidth(el.clientWidth))
    observer.observe(el)
    setWidth(el.clientWidth)
    return () => observer.disconnect()
  }, [])

  // Load every run's line for the visible range.
  useEffect(() => {
    if (width === 0) return
    const controller = new AbortController()
    const load = async (run: ChartRun): Promise<readonly [string, Line]> => {
      if (run.members) return [lineKey(run), await loadGroup(run.members)]
      const from = hideInherited && run.forkStep !== null ? run.forkStep + 1 : undefined
      const minStep = Math.max(stepZoom ? Math.floor(stepZoom[0]) : 0, from ?? 0)
      const line = await loadSeries(
        {
          entity,
          project,
          runId: run.id,
          archive: run.archive,
          key: metric,
          xAxis,
          ...(minStep > 0 && { minStep }),
          ...(stepZoom && { maxStep: Math.max(minStep, Math.ceil(stepZoom[1])) }),
          buckets,
        },
        controller.signal,
      ).catch((err: Error) => {
        if (controller.signal.aborted) throw err
        return { xs: [], ys: [], lastStep: -1, band: { xs: [], lo: [], hi: [] } }
      })
      return [lineKey(run), line] as const
    }
    // A group's members share one bucket grid, so their buckets line up for the mean.
    const loadGroup = async (members: ChartRun[]): Promise<Line> => {
      const minStep = stepZoom ? Math.max(0, Math.floor(stepZoom[0])) : 0
      const top = Math.max(0, ...members.map((m) => m.lastStep ?? 0))
      const maxStep = Math.max(minStep, stepZoom ? Math.ceil(stepZoom[1]) : top)
      const responses = await Promise.all(
        members.map((m) =>
          loadBuckets(
            {
              entity,
              project,
              runId: m.id,
              archive: m.archive,
              key: metric,
              xAxis,
              minStep,
              maxStep,
              buckets,
            },
            metric,
            controller.signal,
          ).catch((err: Error) => {
            if (controller.signal.aborted) throw err
            return null
          }),
        ),
      )
      const g = groupLine(responses.filter((r) => r !== null))
      return { xs: g.xs, ys: g.mean, band: { xs: g.xs, lo: g.lo, hi: g.hi }, lastStep: maxStep }
    }
    Promise.all(runs.map(load)).then(
      (entries) => {
        setError(null)
        setLines(new Map(entries))
      },
      (err: Error) => !controller.signal.aborted && setError(err.message),
    )
    return () => controller.abort()
    // runKey stands for runs.
  }, [entity, project, metric, runKey, xAxis, stepZoom?.[0], stepZoom?.[1], hideInherited, buckets]) // eslint-disable-line react-hooks/exhaustive-deps

  // Live: append only the steps after what is drawn, for runs that log while the chart is open.
  useEffect(() => {
    if (!live) return
    const offs = runs
      // Archived states are read-only and never grow; groups are re-read with the next zoom.
      .filter((run) => run.archive === undefined && run.members === undefined)
      .map((run) =>
        liveEvents.on(run.id, (event) => {
          const current = linesRef.current?.get(lineKey(run))
          if (event.type !== 'data' || !current || event.lastStep === null) return
          if (event.lastStep <= current.lastStep) return
          if (stepZoom && stepZoom[1] < event.lastStep) return // a fixed range is on screen
          const minStep = current.lastStep + 1
          void loadSeries({
            entity,
            project,
            runId: run.id,
            key: metric,
            xAxis,
            minStep,
            maxStep: event.lastStep,
            buckets: Math.max(
              1,
              Math.min(MAX_BUCKETS, event.lastStep - minStep + 1, Math.ceil(buckets / 10)),
            ),
          })
            .then((more) => {
              setLines((old) => {
                const prev = old?.get(lineKey(run))
                if (!old || !prev || prev.lastStep >= more.lastStep || more.xs.length === 0) return old
                const next = new Map(old)
                next.set(lineKey(run), {
                  xs: prev.xs.concat(more.xs),
                  ys: prev.ys.concat(more.ys),
                  lastStep: more.lastStep,
                  band: {
                    xs: (prev.band?.xs ?? []).concat(more.band.xs),
                    lo: (prev.band?.lo ?? []).concat(more.band.lo),
                    hi: (prev.band?.hi ?? []).concat(more.band.hi),
                  },
                })
                return next
              })
            })
            .catch(() => {})
        }),
      )
    return () => offs.forEach((off) => off())
  }, [live, runKey, metric, xAxis, stepZoom?.[0], stepZoom?.[1], buckets]) // eslint-disable-line react-hooks/exhaustive-deps

  const grouped = runs.some((r) => r.members !== undefined)
  const smoothed = smoothing.kind !== 'none' && !grouped
  // A group's mean, or a smoothed line, is drawn over a min–max band: three series each.
  const banded = grouped || smoothed
  const perRun = banded ? 3 : 1
  // Which series of each run or group the readout and the highlight use: the drawn line.
  const mainOffset = 0
  const drawnSmoothing = smoothed ? smoothing : NO_SMOOTHING
  const smoothingKey = formatSmoothing(drawnSmoothing)
  const data = useMemo(
    () => (lines ? alignedData(runs, lines, drawnSmoothing) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the keys stand for runs and smoothing
    [lines, runKey, smoothingKey],
  )

  // The chart is created once per set of runs and axes; data changes go through setData.
  useEffect(() => {
    const el = box.current
    if (!el || width === 0 || !data) return
    const opts = chartOptions({
      runs,
      readout,
      banded,
      width,
      height,
      logX,
      logY,
      time: xAxis === '_timestamp',
      stepAxis: xAxis === '_step',
      onZoomRef,
    })
    const u = new uPlot(opts, data, el)
    plot.current = u
    return () => {
      u.destroy()
      plot.current = null
    }
    // Created again only when the series or axes change, never for new data.
  }, [runKey, banded, logX, logY, xAxis, width > 0, data === null]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const u = plot.current
    if (!u || !data) return
    u.setData(data, zoom === null)
    if (zoom) u.setScale('x', { min: zoom[0], max: zoom[1] })
  }, [data, zoom?.[0], zoom?.[1]]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (plot.current && width > 0) plot.current.setSize({ width, height })
  }, [width, height])

  useEffect(() => {
    const u = plot.current
    if (!u) return
    const index = runs.findIndex((r) => r.id === highlight)
    u.setSeries(index < 0 ? null : 1 + index * perRun + mainOffset, { focus: true }, false)
  }, [highlight, runKey, banded]) // eslint-disable-line react-hooks/exhaustive-deps

  const onKeyDown = (e: React.KeyboardEvent) => {
    const u = plot.current
    if (!u) return
    const min = u.scales.x!.min!
    const max = u.scales.x!.max!
    const span = max - min
    const range = (a: number, b: number): [number, number] => [a, b]
    if (e.key === '-' || e.key === '_') onZoom(range(min - span / 2, max + span / 2))
    else if (e.key === '+' || e.key === '=') onZoom(range(min + span / 4, max - span / 4))
    else if (e.key === 'ArrowLeft') onZoom(range(min - span / 4, max - span / 4))
    else if (e.key === 'ArrowRight') onZoom(range(min + span / 4, max + span / 4))
    else return
    e.preventDefault()
  }

  const empty = lines !== null && [...lines.values()].every((l) => l.xs.length === 0)
  const extent = lines ? dataExtent(lines) : null
  return (
    <div
      className="chart"
      ref={box}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onDoubleClick={() => onZoom(null)}
      aria-label={`Chart of ${metric}`}
      data-metric={metric}
      // What is drawn, for tools and tests that cannot read a canvas: point count and extent.
      data-points={lines ? [...lines.values()].reduce((n, l) => n + l.xs.length, 0) : 0}
      data-x-min={extent?.xMin}
      data-x-max={extent?.xMax}
      data-y-max={extent?.yMax}
    >
      <div className="readout" ref={readout} aria-live="off" />
      {error && <div className="chart-note error">{error}</div>}
      {empty && <div className="chart-note">No data in this range</div>}
    </div>
  )
}

function dataExtent(lines: Lines): { xMin: number; xMax: number; yMax: number } | null {
  let xMin = Infinity
  let xMax = -Infinity
  let yMax = -Infinity
  for (const line of lines.values()) {
    if (line.xs.length === 0) continue
    xMin = Math.min(xMin, line.xs[0]!)
    xMax = Math.max(xMax, line.xs.at(-1)!)
    for (const y of line.ys) if (y > yMax) yMax = y
  }
  return xMin === Infinity ? null : { xMin, xMax, yMax }
}

function alignedData(runs: ChartRun[], lines: Lines, smoothing: Smoothing): AlignedData {
  const tables: AlignedData[] = runs.map((run) => {
    const line: Line = lines.get(lineKey(run)) ?? { xs: [], ys: [], lastStep: -1 }
    const band = line.band ?? { xs: [], lo: [], hi: [] }
    if (run.members) return [line.xs, line.ys, band.lo, band.hi] as AlignedData
    if (smoothing.kind === 'none') return [line.xs, line.ys]
    // The smoothed line on its points, the raw extent as a band on the buckets' middles.
    const smoothedLine: AlignedData = [line.xs, smooth(line.xs, line.ys, smoothing)]
    return uPlot.join([smoothedLine, [band.xs, band.lo, band.hi]])
  })
  if (tables.length === 0) return [[]]
  return tables.length === 1 ? tables[0]! : uPlot.join(tables)
}
