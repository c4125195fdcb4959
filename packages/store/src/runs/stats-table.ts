import { computeSummary, mergeStats, type MetricDefinition, type SeriesStats } from '@stemma/core'
import type { Executor } from '../sql/executor.js'
import { fromJson, toJson } from '../sql/json.js'
import { statsFromColumns, type StatsColumns } from '../sql/stats-columns.js'

interface StatsRow extends StatsColumns {
  key: string
}

/**
 * Per-run aggregates of each series over the run's view (`run_stats`) and the last non-scalar
 * value per key (`run_last_values`): everything the summary needs, without reading history.
 */
export class RunStats {
  constructor(private readonly db: Executor) {}

  async load(pk: number): Promise<Map<string, SeriesStats>> {
    const out = new Map<string, SeriesStats>()
    for (const r of await this.db.all<StatsRow>('SELECT * FROM run_stats WHERE run_pk = ?', pk)) {
      out.set(r.key, statsFromColumns(r))
    }
    return out
  }

  /** Merges a batch's aggregates (covering later steps) into the stored ones. */
  async mergeInto(
    pk: number,
    current: Map<string, SeriesStats>,
    key: string,
    batch: SeriesStats,
  ): Promise<void> {
    const stats = current.get(key)
    if (stats) mergeStats(stats, batch)
    else current.set(key, { ...batch })
    await this.save(pk, key, current.get(key)!)
  }

  async save(pk: number, key: string, s: SeriesStats): Promise<void> {
    await this.db.run(
      `INSERT INTO run_stats (run_pk, key, count, finite_count, sum, min, max, first_step, first, last_step, last)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET count = excluded.count, finite_count = excluded.finite_count,
         sum = excluded.sum, min = excluded.min, max = excluded.max, first_step = excluded.first_step,
         first = excluded.first, last_step = excluded.last_step, last = excluded.last`,
      pk,
      key,
      s.count,
      s.finiteCount,
      s.sum,
      s.finiteCount > 0 ? s.min : null,
      s.finiteCount > 0 ? s.max : null,
      s.firstStep,
      s.first,
      s.lastStep,
      s.last,
    )
  }

  async replaceAll(
    pk: number,
    stats: Map<string, SeriesStats>,
    lastValues: Map<string, { step: number; value: unknown }>,
  ): Promise<void> {
    await this.db.run('DELETE FROM run_stats WHERE run_pk = ?', pk)
    await this.db.run('DELETE FROM run_last_values WHERE run_pk = ?', pk)
    for (const [key, s] of stats) await this.save(pk, key, s)
    for (const [key, v] of lastValues) await this.setLastValue(pk, key, v.step, v.value)
  }

  /** Copies one run's aggregates to another (an archive starts as an exact copy). */
  async copy(fromPk: number, toPk: number): Promise<void> {
    await this.db.run(
      `INSERT INTO run_stats (run_pk, key, count, finite_count, sum, min, max, first_step, first, last_step, last)
       SELECT CAST(? AS BIGINT), key, count, finite_count, sum, min, max, first_step, first, last_step, last FROM run_stats WHERE run_pk = ?`,
      toPk,
      fromPk,
    )
    await this.db.run(
      'INSERT INTO run_last_values (run_pk, key, step, json) SELECT CAST(? AS BIGINT), key, step, json FROM run_last_values WHERE run_pk = ?',
      toPk,
      fromPk,
    )
  }

  async lastValues(pk: number): Promise<Map<string, { step: number; value: unknown }>> {
    const out = new Map<string, { step: number; value: unknown }>()
    for (const r of await this.db.all<{ key: string; step: number; json: string }>(
      'SELECT key, step, json FROM run_last_values WHERE run_pk = ?',
      pk,
    )) {
      out.set(r.key, { step: r.step, value: fromJson(r.json) })
    }
    return out
  }

  async setLastValue(pk: number, key: string, step: number, value: unknown): Promise<void> {
    await this.db.run(
      `INSERT INTO run_last_values (run_pk, key, step, json) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_pk, key) DO UPDATE SET step = excluded.step, json = excluded.json WHERE excluded.step >= run_last_values.step`,
      pk,
      key,
      step,
      toJson(value),
    )
  }

  /** Recomputes and stores the run's summary from its aggregates, definitions and overrides. */
  async refreshSummary(
    pk: number,
    definitions: readonly MetricDefinition[],
    overrides: Record<string, unknown>,
    scalars?: Map<string, SeriesStats>,
  ): Promise<Record<string, unknown>> {
    const summary = computeSummary({
      scalars: scalars ?? (await this.load(pk)),
      others: await this.lastValues(pk),
      definitions,
      overrides,
    })
    await this.db.run('UPDATE runs SET summary = ? WHERE pk = ?', toJson(summary), pk)
    return summary
  }
}
