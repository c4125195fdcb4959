import type { SqlDialect } from '../dialect.js'

/**
 * Run files by content: `file_blobs` holds each distinct content once (by SHA-256) with the blob
 * store key it lives under; `run_files` names it inside a run. A blob row goes when the last run
 * file naming it does (see `SqlFileRepository.collect`), so the foreign key has no cascade.
 */
export function runFiles(d: SqlDialect): string[] {
  const { int, text, real } = d.types
  return [
    `CREATE TABLE file_blobs (
      sha256 ${text} PRIMARY KEY,
      blob_key ${text} NOT NULL,
      size ${int} NOT NULL,
      created_at ${real} NOT NULL)`,
    `CREATE TABLE run_files (
      run_pk ${int} NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
      name ${text} NOT NULL,
      sha256 ${text} NOT NULL REFERENCES file_blobs(sha256),
      updated_at ${real} NOT NULL,
      PRIMARY KEY (run_pk, name))${d.tableSuffixForCompositeKey}`,
    `CREATE INDEX run_files_sha256 ON run_files (sha256)`,
  ]
}
