import type { RunDto } from '@stemma/core'
import { ago, duration, valueText } from '../app/format'
import { resolvePath } from '@stemma/core'

export interface Column {
  /** A field path the server can sort by: `name`, `createdAt`, `config.lr`, `summary.loss`. */
  id: string
  label: string
  width: number
  text: (run: RunDto, now: number) => string
  sortable: boolean
}

/** Wall-clock time from creation to the end (or to the latest heartbeat while it runs). */
export function runtimeMs(run: RunDto): number {
  const end = run.finishedAt ?? run.heartbeatAt
  return Date.parse(end) - Date.parse(run.createdAt)
}

export const BASE_COLUMNS: Column[] = [
  { id: 'state', label: 'State', width: 90, text: (r) => r.state, sortable: true },
  { id: 'createdAt', label: 'Created', width: 90, text: (r, now) => ago(r.createdAt, now), sortable: true },
  { id: 'runtime', label: 'Runtime', width: 90, text: (r) => duration(runtimeMs(r)), sortable: false },
  { id: 'tags', label: 'Tags', width: 140, text: (r) => r.tags.join(', '), sortable: false },
  { id: 'notes', label: 'Notes', width: 160, text: (r) => r.notes, sortable: true },
  { id: 'group', label: 'Group', width: 100, text: (r) => r.group ?? '', sortable: true },
  { id: 'jobType', label: 'Job type', width: 100, text: (r) => r.jobType ?? '', sortable: true },
]

/** A config or summary key as a column. */
export function dataColumn(path: string): Column {
  return {
    id: path,
    label: path,
    width: 110,
    text: (r) => valueText(resolvePath(r as unknown as Record<string, unknown>, path)),
    sortable: true,
  }
}

/** Config and summary keys of the loaded runs, for the column picker and the filter builder. */
export function discoverKeys(runs: Iterable<RunDto>): string[] {
  const keys = new Set<string>()
  let n = 0
  for (const run of runs) {
    for (const k of Object.keys(run.config)) keys.add(`config.${k}`)
    for (const k of Object.keys(run.summary)) if (!k.startsWith('_')) keys.add(`summary.${k}`)
    if (++n >= 200) break
  }
  return [...keys].sort()
}
