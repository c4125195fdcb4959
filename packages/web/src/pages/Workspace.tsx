import { useEffect, useMemo, useState } from 'react'
import type { RunDto, RunListResponse } from '@stemma/core'
import { api, seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { liveEvents, projectEventsPath, useEventStream } from '../app/live'
import { useQueryParam } from '../app/router'
import { colorsByPosition, runColor } from '../charts/colors'
import { Panels } from '../charts/Panels'
import { BulkActions } from '../runs/BulkActions'
import { ColumnPicker } from '../runs/ColumnPicker'
import { BASE_COLUMNS, dataColumn, discoverKeys } from '../runs/columns'
import { FilterBuilder } from '../runs/FilterBuilder'
import { buildFilter, parseFilterRows } from '../runs/run-query'
import { useRunPages } from '../runs/run-pages'
import { RunsTable } from '../runs/RunsTable'

/** Each run's colour is its group's, with groups coloured by their sorted names (as the charts do). */
function groupColors(runs: RunDto[], groupOf: (run: RunDto) => string): Map<string, string> {
  const byGroup = colorsByPosition([...new Set(runs.map(groupOf))].sort())
  return new Map(runs.map((run) => [run.id, byGroup.get(groupOf(run))!]))
}

/** W&B's default: charts show the most recent runs, never every run of a large project. */
const DEFAULT_SHOWN = 10
const list = (text: string | null) => (text ? text.split(',').filter((s) => s !== '') : [])

const GROUP_FIELDS = [
  { id: 'group', label: 'Group' },
  { id: 'jobType', label: 'Job type' },
]

export function Workspace({ entity, project }: { entity: string; project: string }) {
  const [search, setSearch] = useQueryParam('q')
  const [filterText, setFilterText] = useQueryParam('f')
  const [sort, setSort] = useQueryParam('sort')
  const [group, setGroup] = useQueryParam('group')
  const [cols, setCols] = useQueryParam('cols')
  const [pin, setPin] = useQueryParam('pin')
  const [runsParam, setRunsParam] = useQueryParam('runs')
  const [checked, setChecked] = useState<Map<string, RunDto>>(new Map())
  const [hovered, setHovered] = useState<string | null>(null)

  const rows = parseFilterRows(filterText)
  const filter = buildFilter(search ?? '', rows)
  const filterJson = filter ? JSON.stringify(filter) : null
  const order = group ? group : (sort ?? '-createdAt')
  const pages = useRunPages(entity, project, filterJson, order)

  const extra = list(cols)
  const pinned = list(pin)
  const columns = [...BASE_COLUMNS, ...extra.map(dataColumn)]
  const groupBy = group ? (columns.find((c) => c.id === group) ?? dataColumn(group)) : null
  const keys = useMemo(() => discoverKeys(pages.rows.values()), [pages.rows])

  // Which runs the charts show: the address's list, else the most recent ones.
  const shownIds = runsParam === null ? null : list(runsParam)
  const shown = useFetch(
    async (signal) => {
      const query =
        shownIds === null
          ? { order: '-createdAt', limit: DEFAULT_SHOWN }
          : { filter: JSON.stringify({ id: { $in: shownIds } }), order: '-createdAt', limit: 1000 }
      if (shownIds !== null && shownIds.length === 0) return [] as RunDto[]
      const res = await api<RunListResponse>(`/runs/${seg(entity)}/${seg(project)}`, { query, signal })
      return res.runs
    },
    [entity, project, runsParam],
  )
  const shownRuns = shown.data ?? []
  const shownSet = new Set(shownRuns.map((r) => r.id))
  // Grouped, a run's chip takes its group's colour: the colour of its line in the charts.
  const colors = groupBy
    ? groupColors(shownRuns, (run) => groupBy.text(run, Date.now()) || '(none)')
    : colorsByPosition(shownRuns.map((r) => r.id))
  const toggleShown = (run: RunDto) => {
    const ids = shownRuns.map((r) => r.id)
    setRunsParam(
      (shownSet.has(run.id) ? ids.filter((id) => id !== run.id) : [...ids, run.id]).join(',') || ',',
    )
  }
  const toggleChecked = (run: RunDto) =>
    setChecked((old) => {
      const next = new Map(old)
      if (next.has(run.id)) next.delete(run.id)
      else next.set(run.id, run)
      return next
    })

  // Live: one stream for the project keeps states and step counts in the table current.
  useEventStream(projectEventsPath(entity, project))
  const { update } = pages
  useEffect(
    () =>
      liveEvents.on(null, (event) =>
        update({ id: event.runId, state: event.state, lastStep: event.lastStep }),
      ),
    [update],
  )

  const afterBulk = (deleted: string[]) => {
    setChecked(new Map())
    if (deleted.length > 0 && shownIds !== null)
      setRunsParam(shownIds.filter((id) => !deleted.includes(id)).join(',') || ',')
    pages.reload()
    shown.reload()
  }

  return (
    <main className="workspace">
      <aside className="runs-pane">
        <div className="runs-bar">
          <input
            type="search"
            data-search
            placeholder="Search runs  ( / )"
            aria-label="Search runs"
            value={search ?? ''}
            onChange={(e) => setSearch(e.target.value)}
          />
          <select
            aria-label="Group by"
            value={group ?? ''}
            onChange={(e) => setGroup(e.target.value || null)}
          >
            <option value="">No grouping</option>
            {GROUP_FIELDS.map((g) => (
              <option key={g.id} value={g.id}>
                Group by {g.label}
              </option>
            ))}
            {keys
              .filter((k) => k.startsWith('config.'))
              .map((k) => (
                <option key={k} value={k}>
                  Group by {k}
                </option>
              ))}
          </select>
          <ColumnPicker
            keys={keys}
            columns={extra}
            pinned={pinned}
            onColumns={(ids) => setCols(ids.join(','))}
            onPinned={(ids) => setPin(ids.join(','))}
          />
        </div>
        <FilterBuilder
          rows={rows}
          keys={keys}
          onChange={(r) => setFilterText(r.length ? JSON.stringify(r) : null)}
        />
        <div className="runs-count" aria-live="polite">
          {pages.total === null ? 'Loading runs…' : `${pages.total} run${pages.total === 1 ? '' : 's'}`}
          {shownRuns.length > 0 && ` · ${shownRuns.length} in charts`}
        </div>
        <BulkActions entity={entity} project={project} runs={[...checked.values()]} onDone={afterBulk} />
        {pages.total === 0 && !filter && (
          <div className="empty">
            No runs in this project yet. Log one with{' '}
            <code>
              stemma.init({'{'} project: &apos;{project}&apos; {'}'})
            </code>
            .
          </div>
        )}
        {pages.total === 0 && filter && <div className="empty">No run matches these filters.</div>}
        <RunsTable
          entity={entity}
          project={project}
          pages={pages}
          columns={columns}
          pinned={pinned}
          order={order}
          onOrder={(o) => {
            setGroup(null)
            setSort(o === '-createdAt' ? null : o)
          }}
          groupBy={groupBy}
          shown={shownSet}
          colorOf={(id) => colors.get(id) ?? runColor(id)}
          onToggleShown={toggleShown}
          checked={new Set(checked.keys())}
          onToggleChecked={toggleChecked}
          onHover={setHovered}
        />
      </aside>
      <Panels
        entity={entity}
        project={project}
        runs={shownRuns.map((run) => ({ run, color: colors.get(run.id)! }))}
        highlight={hovered}
        groupOf={groupBy ? (run) => groupBy.text(run, Date.now()) : null}
        legend={groupBy !== null}
        live
        emptyText="No run is shown in the charts: use a run’s colour chip to show it."
      />
    </main>
  )
}
