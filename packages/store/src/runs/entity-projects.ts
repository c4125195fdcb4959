import type { ProjectSummary } from '../ports.js'
import type { Executor } from '../sql/executor.js'

interface ProjectRow {
  name: string
  run_count: number
  last_heartbeat: number
  last_created: number
  first_created: number
}

/**
 * One aggregate query over the entity's live runs. The latest activity is the later of two
 * maxima, taken here rather than in SQL because the dialects spell a two-argument max
 * differently (`max(a, b)` in SQLite, `greatest(a, b)` in PostgreSQL).
 */
export async function entityProjects(db: Executor, entity: string): Promise<ProjectSummary[]> {
  const rows = await db.all<ProjectRow>(
    `SELECT p.name AS name, count(*) AS run_count, max(r.heartbeat_at) AS last_heartbeat,
       max(r.created_at) AS last_created, min(r.created_at) AS first_created
     FROM projects p JOIN runs r ON r.project_id = p.id AND r.archived_from IS NULL
     WHERE p.entity = ?
     GROUP BY p.id, p.name`,
    entity,
  )
  return rows
    .map((row) => ({
      name: row.name,
      runCount: row.run_count,
      lastActivityAt: Math.max(row.last_heartbeat, row.last_created),
      createdAt: row.first_created,
    }))
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt || compareCodePoints(a.name, b.name))
}

/** Names compare by code point, as the store's SQL text does (`COLLATE "C"`). */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
