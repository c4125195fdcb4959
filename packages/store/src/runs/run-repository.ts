import type { ConsoleLine, RunAlert, RunPatch, SystemSample, WireRejectedRow } from '@stemma/core'
import type { StoreContext } from '../context.js'
import type {
  CreateRunInput,
  Lineage,
  ListRunsQuery,
  ProjectSummary,
  RunRecord,
  RunRef,
  RunRepository,
  StatePatch,
} from '../ports.js'
import { fromJson, toJson } from '../sql/json.js'
import { entityProjects } from './entity-projects.js'
import { insertRun } from './insert-run.js'
import { forkRun, rewindRun, runLineage } from './lineage-ops.js'
import { listRuns } from './list-runs.js'
import {
  findRow,
  loadView,
  recordByPk,
  requireRow,
  requireWritable,
  RUN_SELECT,
  toRecord,
  type RunRow,
} from './run-rows.js'
import { segmentTail } from './segment-tail.js'

/**
 * Runs over one context. Every write is one transaction (a savepoint inside a caller's
 * transaction, see `Store.transaction`), and takes the run's row lock first.
 */
export class SqlRunRepository implements RunRepository {
  constructor(private readonly ctx: StoreContext) {}

  private async record(ctx: StoreContext, pk: number): Promise<RunRecord> {
    return (await recordByPk(ctx.db, pk))!
  }

  async create(input: CreateRunInput): Promise<RunRecord> {
    return this.ctx.tx(async (c) => this.record(c, await insertRun(c, input)))
  }

  async get(ref: RunRef): Promise<RunRecord | null> {
    const { db } = this.ctx
    const row = await findRow(db, ref)
    return row ? toRecord(row, await loadView(db, row.pk)) : null
  }

  async getByPk(pk: number): Promise<RunRecord | null> {
    return (await recordByPk(this.ctx.db, pk)) ?? null
  }

  async list(query: ListRunsQuery): Promise<{ runs: RunRecord[]; total: number }> {
    return listRuns(this.ctx.db, query)
  }

  async projects(entity: string): Promise<ProjectSummary[]> {
    return entityProjects(this.ctx.db, entity)
  }

  async patch(ref: RunRef, patch: RunPatch): Promise<RunRecord> {
    return this.ctx.tx(async (c) => {
      const row = await requireWritable(c.db, ref)
      await c.db.run(
        `UPDATE runs SET display_name = coalesce(?, display_name), notes = coalesce(?, notes), tags = coalesce(?, tags),
           grp = CASE WHEN ? = 1 THEN ? ELSE grp END, job_type = CASE WHEN ? = 1 THEN ? ELSE job_type END WHERE pk = ?`,
        patch.name ?? null,
        patch.notes ?? null,
        patch.tags === undefined ? null : toJson(patch.tags),
        patch.group === undefined ? 0 : 1,
        patch.group ?? null,
        patch.jobType === undefined ? 0 : 1,
        patch.jobType ?? null,
        row.pk,
      )
      return this.record(c, row.pk)
    })
  }

  async setState(ref: RunRef, patch: StatePatch): Promise<RunRecord> {
    return this.ctx.tx(async (c) => {
      const row = await requireWritable(c.db, ref)
      const has = (k: keyof StatePatch) => (patch[k] === undefined ? 0 : 1)
      await c.db.run(
        `UPDATE runs SET state = coalesce(?, state), exit_code = CASE WHEN ? = 1 THEN ? ELSE exit_code END,
           finished_at = CASE WHEN ? = 1 THEN ? ELSE finished_at END, heartbeat_at = coalesce(?, heartbeat_at),
           stop_requested = coalesce(?, stop_requested) WHERE pk = ?`,
        patch.state ?? null,
        has('exitCode'),
        patch.exitCode ?? null,
        has('finishedAt'),
        patch.finishedAt ?? null,
        patch.heartbeatAt ?? null,
        patch.stopRequested === undefined ? null : patch.stopRequested ? 1 : 0,
        row.pk,
      )
      return this.record(c, row.pk)
    })
  }

  async mergeConfig(ref: RunRef, config: Record<string, unknown>): Promise<RunRecord> {
    return this.ctx.tx(async (c) => {
      const row = await requireWritable(c.db, ref)
      await c.db.run(
        'UPDATE runs SET config = ? WHERE pk = ?',
        toJson({ ...fromJson<object>(row.config), ...config }),
        row.pk,
      )
      return this.record(c, row.pk)
    })
  }

  /**
   * Deletes a live run with its archives; an archive alone cannot be deleted (RUN_ARCHIVED), so
   * archive indexes stay dense. Forks survive: a segment is dropped only when no view references it.
   */
  async delete(ref: RunRef): Promise<void> {
    await this.ctx.tx(async (c) => {
      const row = await requireWritable(c.db, ref)
      const archived = await c.db.all<{ pk: number }>('SELECT pk FROM runs WHERE archived_from = ?', row.pk)
      const segmentIds = new Set<number>()
      for (const pk of [row.pk, ...archived.map((r) => r.pk)]) {
        for (const part of await loadView(c.db, pk)) segmentIds.add(part.segmentId)
      }
      await c.db.run('DELETE FROM runs WHERE pk = ?', row.pk)
      await c.segments.collect(segmentIds)
    })
  }

  async fork(source: RunRef, step: number, input: CreateRunInput): Promise<RunRecord> {
    return this.ctx.tx(async (c) => this.record(c, await forkRun(c, source, step, input)))
  }

  async rewind(ref: RunRef, step: number, now: number): Promise<RunRecord> {
    return this.ctx.tx(async (c) => this.record(c, await rewindRun(c, ref, step, now)))
  }

  async lineage(ref: RunRef): Promise<Lineage> {
    return runLineage(this.ctx, ref)
  }

  async archives(ref: RunRef): Promise<RunRecord[]> {
    const { db } = this.ctx
    const live = await requireRow(db, { entity: ref.entity, project: ref.project, runId: ref.runId })
    const rows = await db.all<RunRow>(
      `${RUN_SELECT} WHERE r.archived_from = ? ORDER BY r.archive_index`,
      live.pk,
    )
    const out: RunRecord[] = []
    for (const row of rows) out.push(toRecord(row, await loadView(db, row.pk)))
    return out
  }

  async rejected(ref: RunRef, limit: number): Promise<WireRejectedRow[]> {
    const { db } = this.ctx
    const row = await requireRow(db, ref)
    const livePk = row.archived_from ?? row.pk
    const rows = await db.all<{
      attempted_step: number
      current_step: number
      keys: string
      timestamp: number
    }>(
      'SELECT * FROM (SELECT * FROM rejected_rows WHERE run_pk = ? ORDER BY id DESC LIMIT ?) AS latest ORDER BY id',
      livePk,
      limit,
    )
    return rows.map((r) => ({
      attemptedStep: r.attempted_step,
      currentStep: r.current_step,
      keys: fromJson(r.keys),
      timestamp: r.timestamp,
    }))
  }

  async console(ref: RunRef, limit: number): Promise<ConsoleLine[]> {
    const { db } = this.ctx
    const row = await requireRow(db, ref)
    const lines = await segmentTail<{
      t: number
      stream: 'stdout' | 'stderr'
      line: string
      line_step: number | null
    }>(db, await loadView(db, row.pk), 'console_lines', 't, stream, line, line_step', limit)
    return lines.map((r) =>
      r.line_step === null
        ? { t: r.t, stream: r.stream, line: r.line }
        : { t: r.t, stream: r.stream, line: r.line, step: r.line_step },
    )
  }

  async alerts(ref: RunRef, limit: number): Promise<RunAlert[]> {
    const { db } = this.ctx
    const row = await requireRow(db, ref)
    const alerts = await segmentTail<{ t: number; level: RunAlert['level']; title: string; body: string }>(
      db,
      await loadView(db, row.pk),
      'run_alerts',
      't, level, title, body',
      limit,
    )
    return alerts.map((a) => ({ t: a.t, level: a.level, title: a.title, text: a.body }))
  }

  async system(ref: RunRef, limit: number): Promise<SystemSample[]> {
    const { db } = this.ctx
    const row = await requireRow(db, ref)
    const samples = await segmentTail<{ t: number; json: string }>(
      db,
      await loadView(db, row.pk),
      'system_samples',
      't, json',
      limit,
    )
    return samples.map((r) => ({ t: r.t, values: fromJson(r.json) }))
  }
}
