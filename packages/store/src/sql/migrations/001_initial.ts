import type { SqlDialect } from '../dialect.js'

/** Runs, lineage views, columnar history and auth. The layout is explained in the package README. */
export function initialSchema(d: SqlDialect): string[] {
  const { serialPk, int, real, text, blob, json } = d.types
  const compact = d.tableSuffixForCompositeKey
  return [
    `CREATE TABLE projects (
      id ${serialPk},
      entity ${text} NOT NULL,
      name ${text} NOT NULL,
      -- Runs ever created here; names the Nth run adjective-noun-N even after deletes.
      run_seq ${int} NOT NULL DEFAULT 0,
      UNIQUE (entity, name))`,
    `CREATE TABLE runs (
      pk ${serialPk},
      project_id ${int} NOT NULL REFERENCES projects(id),
      run_id ${text} NOT NULL,
      display_name ${text} NOT NULL,
      notes ${text} NOT NULL DEFAULT '',
      tags ${json} NOT NULL DEFAULT '[]',
      grp ${text},
      job_type ${text},
      state ${text} NOT NULL,
      exit_code ${int},
      created_at ${real} NOT NULL,
      heartbeat_at ${real} NOT NULL,
      finished_at ${real},
      heartbeat_timeout_s ${real} NOT NULL,
      config ${json} NOT NULL DEFAULT '{}',
      summary ${json} NOT NULL DEFAULT '{}',
      summary_overrides ${json} NOT NULL DEFAULT '{}',
      metadata ${json} NOT NULL DEFAULT '{}',
      metrics ${json} NOT NULL DEFAULT '[]',
      last_step ${int},
      rejected_count ${int} NOT NULL DEFAULT 0,
      stop_requested ${int} NOT NULL DEFAULT 0,
      forked_from_run_id ${text},
      forked_from_step ${int},
      forked_from_pk ${int},
      -- Archived (pre-rewind) copies point at their live run and go when it is deleted.
      archived_from ${int} REFERENCES runs(pk) ON DELETE CASCADE,
      archive_index ${int},
      rewind_step ${int},
      rewound_at ${real})`,
    `CREATE UNIQUE INDEX runs_live_id ON runs (project_id, run_id) WHERE archived_from IS NULL`,
    `CREATE INDEX runs_project_created ON runs (project_id, created_at)`,
    `CREATE INDEX runs_archived_from ON runs (archived_from)`,
    `CREATE INDEX runs_forked_from ON runs (forked_from_pk)`,
    // A segment outlives its run while any view still references it; run_id is kept for attribution.
    `CREATE TABLE segments (
      id ${serialPk},
      run_id ${text} NOT NULL)`,
    `CREATE TABLE run_view_parts (
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      idx ${int} NOT NULL,
      segment_id ${int} NOT NULL REFERENCES segments(id),
      from_step ${int} NOT NULL,
      to_step ${int},
      PRIMARY KEY (run_pk, idx))${compact}`,
    `CREATE INDEX run_view_parts_segment ON run_view_parts (segment_id)`,
    `CREATE TABLE series (
      id ${serialPk},
      segment_id ${int} NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      key ${text} NOT NULL,
      kind ${text} NOT NULL DEFAULT 'scalar',
      UNIQUE (segment_id, key))`,
    `CREATE TABLE chunks (
      id ${serialPk},
      series_id ${int} NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      first_step ${int} NOT NULL,
      last_step ${int} NOT NULL,
      count ${int} NOT NULL,
      finite_count ${int} NOT NULL,
      sum ${real},
      min ${real},
      max ${real},
      first ${real},
      last ${real},
      steps_blob ${blob},
      values_blob ${blob} NOT NULL,
      lod_blob ${blob})`,
    `CREATE UNIQUE INDEX chunks_series_step ON chunks (series_id, first_step)`,
    `CREATE TABLE history_values (
      segment_id ${int} NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      key ${text} NOT NULL,
      step ${int} NOT NULL,
      json ${text} NOT NULL,
      PRIMARY KEY (segment_id, key, step))${compact}`,
    `CREATE INDEX history_values_step ON history_values (segment_id, step)`,
    // Aggregates of each series over the run's whole view, kept current at ingest for the summary.
    `CREATE TABLE run_stats (
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      key ${text} NOT NULL,
      count ${int} NOT NULL,
      finite_count ${int} NOT NULL,
      sum ${real},
      min ${real},
      max ${real},
      first_step ${int} NOT NULL,
      first ${real},
      last_step ${int} NOT NULL,
      last ${real},
      PRIMARY KEY (run_pk, key))${compact}`,
    `CREATE TABLE run_last_values (
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      key ${text} NOT NULL,
      step ${int} NOT NULL,
      json ${text} NOT NULL,
      PRIMARY KEY (run_pk, key))${compact}`,
    `CREATE TABLE ingest_cursors (
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      writer_id ${text} NOT NULL,
      seq ${int} NOT NULL,
      PRIMARY KEY (run_pk, writer_id))${compact}`,
    `CREATE TABLE rejected_rows (
      id ${serialPk},
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      attempted_step ${int} NOT NULL,
      current_step ${int} NOT NULL,
      keys ${text} NOT NULL,
      timestamp ${real} NOT NULL)`,
    `CREATE INDEX rejected_rows_run ON rejected_rows (run_pk, id)`,
    // Console and system data belong to a segment and carry the step the run had reached, so a
    // clipped view part can leave out what came after its cut.
    `CREATE TABLE console_lines (
      id ${serialPk},
      segment_id ${int} NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      step ${int} NOT NULL,
      t ${real} NOT NULL,
      stream ${text} NOT NULL,
      line ${text} NOT NULL,
      line_step ${int})`,
    `CREATE INDEX console_lines_segment ON console_lines (segment_id, step)`,
    `CREATE TABLE system_samples (
      id ${serialPk},
      segment_id ${int} NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      step ${int} NOT NULL,
      t ${real} NOT NULL,
      json ${text} NOT NULL)`,
    `CREATE INDEX system_samples_segment ON system_samples (segment_id, step)`,
    `CREATE TABLE users (
      id ${serialPk},
      username ${text} NOT NULL UNIQUE,
      is_admin ${int} NOT NULL,
      created_at ${real} NOT NULL)`,
    `CREATE TABLE api_keys (
      key_hash ${text} PRIMARY KEY,
      user_id ${int} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      label ${text} NOT NULL,
      created_at ${real} NOT NULL)`,
  ]
}
