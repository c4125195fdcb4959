import type { Db } from '../sql/db.js'

/** Segments: the storage a run writes to. They are shared by views, never copied. */
export class Segments {
  private readonly runIds = new Map<number, string>()

  constructor(private readonly db: Db) {}

  create(runId: string): number {
    return Number(this.db.run('INSERT INTO segments (run_id) VALUES (?)', runId).lastInsertRowid)
  }

  /** The run id that wrote a segment; kept after the run is deleted, for attribution. */
  runIdOf(segmentId: number): string {
    let id = this.runIds.get(segmentId)
    if (id === undefined) {
      id =
        this.db.get<{ run_id: string }>('SELECT run_id FROM segments WHERE id = ?', segmentId)?.run_id ?? ''
      this.runIds.set(segmentId, id)
    }
    return id
  }

  /** Drops the given segments if no view references them any more; their data goes by cascade. */
  collect(segmentIds: Iterable<number>): void {
    for (const id of segmentIds) {
      const used = this.db.get('SELECT 1 AS x FROM run_view_parts WHERE segment_id = ? LIMIT 1', id)
      if (used) continue
      this.db.run('DELETE FROM segments WHERE id = ?', id)
      this.runIds.delete(id)
    }
  }
}
