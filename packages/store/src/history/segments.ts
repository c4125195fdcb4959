import type { Executor } from '../sql/executor.js'

/** Segments: the storage a run writes to. They are shared by views, never copied. */
export class Segments {
  constructor(
    private readonly db: Executor,
    /** segment id → run id; safe to share and keep, since a segment's run id never changes. */
    private readonly runIds: Map<number, string>,
  ) {}

  async create(runId: string): Promise<number> {
    return (await this.db.get<{ id: number }>(
      'INSERT INTO segments (run_id) VALUES (?) RETURNING id',
      runId,
    ))!.id
  }

  /** The run id that wrote a segment; kept after the run is deleted, for attribution. */
  async runIdOf(segmentId: number): Promise<string> {
    let id = this.runIds.get(segmentId)
    if (id === undefined) {
      id =
        (await this.db.get<{ run_id: string }>('SELECT run_id FROM segments WHERE id = ?', segmentId))
          ?.run_id ?? ''
      this.runIds.set(segmentId, id)
    }
    return id
  }

  /** Drops the given segments if no view references them any more; their data goes by cascade. */
  async collect(segmentIds: Iterable<number>): Promise<void> {
    for (const id of segmentIds) {
      const used = await this.db.get('SELECT 1 AS x FROM run_view_parts WHERE segment_id = ? LIMIT 1', id)
      if (used) continue
      await this.db.run('DELETE FROM segments WHERE id = ?', id)
    }
  }
}
