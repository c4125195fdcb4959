import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { RunDto } from '@stemma/core'
import { api, seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { useQueryParam } from '../app/router'
import { ChartControls } from './ChartControls'
import { colorsByPosition, runColor } from './colors'
import { LineChart, type ChartRun } from './LineChart'
import { isHidden, metricMatcher, sections } from './panel-keys'
import { useChartSettings } from './settings'

interface KeyInfo {
  key: string
  kind: 'scalar' | 'value'
  count: number
}

export interface PanelRun {
  run: RunDto
  archive?: number
  color?: string
}

/** The scalar metrics of every run on show, without the ones hidden by `defineMetric`. */
function useMetricKeys(entity: string, project: string, runs: PanelRun[]) {
  const ids = runs.map((r) => `${r.run.id}:${r.archive ?? ''}`).join(',')
  return useFetch(
    async (signal) => {
      const lists = await Promise.all(
        runs.map((r) =>
          api<{ keys: KeyInfo[] }>(`/runs/${seg(entity)}/${seg(project)}/${seg(r.run.id)}/history/keys`, {
            signal,
            query: { archive: r.archive },
          }).catch(() => ({ keys: [] as KeyInfo[] })),
        ),
      )
      const definitions = runs.flatMap((r) => r.run.metrics)
      // Every scalar series can be an x axis (step metrics among them); hidden ones get no panel.
      const keys = new Set<string>()
      const all = new Set<string>()
      for (const list of lists) {
        for (const k of list.keys) {
          if (k.kind !== 'scalar' || k.key.startsWith('_')) continue
          all.add(k.key)
          if (!isHidden(k.key, definitions)) keys.add(k.key)
        }
      }
      return { metrics: [...keys].sort(), axes: [...all].sort() }
    },
    [entity, project, ids],
  )
}

export function Panels({
  entity,
  project,
  runs,
  highlight,
  live,
  emptyText,
  legend,
  groupOf,
}: {
  entity: string
  project: string
  runs: PanelRun[]
  highlight?: string | null
  live?: boolean
  emptyText?: ReactNode
  /** Lists the lines' colours above the panels (when the runs are not beside them in a table). */
  legend?: boolean
  /** Draws one mean line with a min–max band per value of this (the runs table's grouping). */
  groupOf?: ((run: RunDto) => string) | null
}) {
  const controls = useChartSettings()
  const [search, setSearch] = useQueryParam('panels')
  const { data: keys, loading } = useMetricKeys(entity, project, runs)
  const perRun: ChartRun[] = runs.map(({ run, archive, color }) => ({
    id: run.id,
    name: run.name,
    color: color ?? runColor(run.id),
    forkStep: run.forkedFrom?.step ?? null,
    lastStep: run.lastStep,
    ...(archive !== undefined && { archive }),
  }))
  // Groups are averaged bucket by bucket on a shared step grid, so only along the step axis.
  const grouped = groupOf && controls.settings.xAxis === '_step' ? groupOf : null
  const chartRuns = grouped ? groupRuns(runs, perRun, grouped) : perRun
  const match = metricMatcher(search ?? '')
  const shown = (keys?.metrics ?? []).filter(match)
  const groups = sections(shown)

  return (
    <section className="panels" aria-label="Panels">
      <div className="panels-bar">
        <input
          type="search"
          placeholder="Search panels (regex)"
          aria-label="Search panels"
          value={search ?? ''}
          onChange={(e) => setSearch(e.target.value)}
        />
        <ChartControls controls={controls} axisMetrics={keys?.axes ?? []} />
      </div>
      {legend && (
        <div className="legend" aria-label="Legend">
          {chartRuns.map((r) => (
            <span key={`${r.id}:${r.archive ?? ''}`}>
              <span className="swatch" style={{ background: r.color }} />
              {r.name}
            </span>
          ))}
        </div>
      )}
      {groupOf && !grouped && (
        <p className="hint">
          Groups are drawn as their mean on the Step axis; on this axis each run is drawn.
        </p>
      )}
      {runs.length === 0 && <div className="empty">{emptyText ?? 'Select runs to chart them.'}</div>}
      {runs.length > 0 && !loading && keys && keys.metrics.length === 0 && (
        <div className="empty">These runs have logged no metrics yet.</div>
      )}
      {keys && keys.metrics.length > 0 && shown.length === 0 && (
        <div className="empty">No metric matches “{search}”.</div>
      )}
      {groups.map((section) => (
        <details key={section.name} open className="section">
          <summary>
            {section.name} <span className="count">{section.metrics.length}</span>
          </summary>
          <div className="panel-grid">
            {section.metrics.map((metric) => (
              <LazyPanel key={metric} title={metric}>
                <LineChart
                  entity={entity}
                  project={project}
                  metric={metric}
                  runs={chartRuns}
                  settings={controls.settings}
                  onZoom={controls.setZoom}
                  highlight={highlight ?? null}
                  live={live ?? false}
                />
              </LazyPanel>
            ))}
          </div>
        </details>
      ))}
    </section>
  )
}

/** One chart line per group of runs, coloured by the group's position. */
function groupRuns(runs: PanelRun[], lines: ChartRun[], groupOf: (run: RunDto) => string): ChartRun[] {
  const groups = new Map<string, ChartRun[]>()
  runs.forEach((r, i) => {
    const name = groupOf(r.run) || '(none)'
    let members = groups.get(name)
    if (!members) groups.set(name, (members = []))
    members.push(lines[i]!)
  })
  const names = [...groups.keys()].sort()
  const colors = colorsByPosition(names)
  return names
    .map((name) => [name, groups.get(name)!] as const)
    .map(([name, members]) => ({
      id: `group:${name}`,
      name: `${name} (${members.length})`,
      color: colors.get(name)!,
      forkStep: null,
      members,
    }))
}

/**
 * Mounts its chart only while near the viewport: a project with thousands of metrics keeps only
 * a screenful of charts alive, and scrolling back re-queries at the current zoom.
 */
function LazyPanel({ title, children }: { title: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null)
  const [visible, setVisible] = useState(false)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const observer = new IntersectionObserver(([entry]) => setVisible(entry!.isIntersecting), {
      rootMargin: '300px',
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [])
  return (
    <div className="panel" ref={ref}>
      <h3 title={title}>{title}</h3>
      {visible ? children : <div className="chart placeholder" />}
    </div>
  )
}
