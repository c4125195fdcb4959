import type { SqlDialect } from '../dialect.js'

/** Alerts belong to a segment like console lines, so a rewind leaves out those after its cut. */
export function runAlerts(d: SqlDialect): string[] {
  const { serialPk, int, text, real } = d.types
  return [
    `CREATE TABLE run_alerts (
      id ${serialPk},
      segment_id ${int} NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      step ${int} NOT NULL,
      t ${real} NOT NULL,
      level ${text} NOT NULL,
      title ${text} NOT NULL,
      body ${text} NOT NULL)`,
    `CREATE INDEX run_alerts_segment ON run_alerts (segment_id, step)`,
  ]
}
