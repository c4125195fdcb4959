import type { RunDto } from '@stemma/core'
import { seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { useQueryParam } from '../app/router'
import { colorsByPosition } from '../charts/colors'
import { Panels, type PanelRun } from '../charts/Panels'
import { loadFamily } from './family'

/** The run's panels, or with "Family" on, its whole tree (parent, forks, rewinds) in each chart. */
export function RunWorkspace({
  entity,
  project,
  run,
  archive,
}: {
  entity: string
  project: string
  run: RunDto
  archive?: number
}) {
  const [family, setFamily] = useQueryParam('family')
  const on = family === '1' && archive === undefined
  const runPath = (id: string) => `/runs/${seg(entity)}/${seg(project)}/${seg(id)}`
  const members = useFetch(
    async (signal): Promise<PanelRun[]> => (on ? loadFamily(runPath, run, signal) : []),
    [on, entity, project, run.id],
  )
  const runs: PanelRun[] =
    on && members.data ? members.data : [{ run, ...(archive !== undefined && { archive }) }]
  const colors = colorsByPosition(runs.map((r) => `${r.run.id}:${r.archive ?? ''}`))
  return (
    <>
      {archive === undefined && (
        <div className="family-bar">
          <label title="Chart this run with its fork parent, its forks and its archived rewinds">
            <input type="checkbox" checked={on} onChange={(e) => setFamily(e.target.checked ? '1' : null)} />{' '}
            Family
          </label>
        </div>
      )}
      <Panels
        entity={entity}
        project={project}
        runs={runs.map((r) => ({ ...r, color: colors.get(`${r.run.id}:${r.archive ?? ''}`)! }))}
        live={archive === undefined}
        legend={runs.length > 1}
      />
    </>
  )
}
