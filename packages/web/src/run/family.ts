import type { LineageResponse, RunDto } from '@stemma/core'
import { api } from '../api/client'
import type { PanelRun } from '../charts/Panels'

/**
 * A run's family as chart lines: its fork parent, itself, its fork children and its archived
 * pre-rewind states, so one chart shows how the tree of attempts diverged.
 */
export async function loadFamily(
  runPath: (runId: string) => string,
  run: RunDto,
  signal: AbortSignal,
): Promise<PanelRun[]> {
  const lineage = await api<LineageResponse>(`${runPath(run.id)}/lineage`, { signal })
  const get = (id: string, archive?: number) =>
    api<RunDto>(runPath(id), { query: { archive }, signal }).catch(() => null)
  const parent = lineage.parent ? await get(lineage.parent.runId) : null
  const children = await Promise.all(lineage.children.map((c) => get(c.runId)))
  const archives = await Promise.all(lineage.rewinds.map((r) => get(run.id, r.archiveIndex)))
  const members: PanelRun[] = []
  if (parent) members.push({ run: { ...parent, name: `${parent.name} (parent)` } })
  members.push({ run })
  for (const child of children) if (child) members.push({ run: { ...child, name: `${child.name} (fork)` } })
  lineage.rewinds.forEach((r, i) => {
    const archived = archives[i]
    // Archived states share the run's id: the chart keys them by id and archive index.
    if (archived)
      members.push({
        run: { ...archived, name: `${run.name} (before rewind ${r.archiveIndex})` },
        archive: r.archiveIndex,
      })
  })
  return members
}
