import type { RunFile } from '@stemma/core'
import type { StoreContext } from '../context.js'
import type { FileRepository, PutFileInput, RunRef, StoredRunFile } from '../ports.js'
import { requireRow, requireWritable } from '../runs/run-rows.js'
import type { Executor } from '../sql/executor.js'

interface FileRow {
  name: string
  sha256: string
  size: number
  updated_at: number
  blob_key: string
}

const FILE_SELECT =
  'SELECT f.name, f.sha256, b.size, f.updated_at, b.blob_key FROM run_files f JOIN file_blobs b ON b.sha256 = f.sha256'

function toFile(row: FileRow): RunFile {
  return { name: row.name, size: Number(row.size), sha256: row.sha256, updatedAt: Number(row.updated_at) }
}

/** Files belong to the live run; an archived copy (`ref.archive`) shows its live run's. */
async function livePk(db: Executor, ref: RunRef): Promise<number> {
  const row = await requireRow(db, ref)
  return row.archived_from ?? row.pk
}

export class SqlFileRepository implements FileRepository {
  constructor(private readonly ctx: StoreContext) {}

  async put(ref: RunRef, input: PutFileInput): Promise<{ file: RunFile; unusedBlobKeys: string[] }> {
    const { blob, name, now } = input
    const unused: string[] = []
    const file = await this.ctx.tx(async ({ db }) => {
      const run = await requireWritable(db, ref)
      // The no-op update makes the upsert return the existing row, and (on PostgreSQL) holds it,
      // so a concurrent `collect` of the same content waits for this link to commit.
      const kept = await db.get<{ blob_key: string }>(
        `INSERT INTO file_blobs (sha256, blob_key, size, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (sha256) DO UPDATE SET sha256 = excluded.sha256 RETURNING blob_key`,
        blob.sha256,
        blob.key,
        blob.size,
        now,
      )
      if (kept!.blob_key !== blob.key) unused.push(blob.key)
      const previous = await db.get<{ sha256: string }>(
        'SELECT sha256 FROM run_files WHERE run_pk = ? AND name = ?',
        run.pk,
        name,
      )
      await db.run(
        `INSERT INTO run_files (run_pk, name, sha256, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (run_pk, name) DO UPDATE SET sha256 = excluded.sha256, updated_at = excluded.updated_at`,
        run.pk,
        name,
        blob.sha256,
        now,
      )
      if (previous !== undefined && previous.sha256 !== blob.sha256) {
        unused.push(...(await collectOn(db, [previous.sha256])))
      }
      return { name, size: blob.size, sha256: blob.sha256, updatedAt: now }
    })
    return { file, unusedBlobKeys: unused }
  }

  async list(ref: RunRef): Promise<RunFile[]> {
    const { db } = this.ctx
    const pk = await livePk(db, ref)
    const rows = await db.all<FileRow>(`${FILE_SELECT} WHERE f.run_pk = ? ORDER BY f.name`, pk)
    return rows.map(toFile)
  }

  async get(ref: RunRef, name: string): Promise<StoredRunFile | null> {
    const { db } = this.ctx
    const pk = await livePk(db, ref)
    const row = await db.get<FileRow>(`${FILE_SELECT} WHERE f.run_pk = ? AND f.name = ?`, pk, name)
    return row === undefined ? null : { ...toFile(row), blobKey: row.blob_key }
  }

  async remove(ref: RunRef, name: string): Promise<{ removed: boolean; unusedBlobKeys: string[] }> {
    return this.ctx.tx(async ({ db }) => {
      const run = await requireWritable(db, ref)
      const gone = await db.get<{ sha256: string }>(
        'DELETE FROM run_files WHERE run_pk = ? AND name = ? RETURNING sha256',
        run.pk,
        name,
      )
      if (gone === undefined) return { removed: false, unusedBlobKeys: [] }
      return { removed: true, unusedBlobKeys: await collectOn(db, [gone.sha256]) }
    })
  }

  async collect(sha256s: readonly string[]): Promise<string[]> {
    return this.ctx.tx(({ db }) => collectOn(db, sha256s))
  }
}

/**
 * Deletes the blob rows of these contents that no run file names, each in its own savepoint: a
 * content linked again meanwhile (by another writer) fails its delete on the foreign key and is
 * simply kept.
 */
async function collectOn(db: Executor, sha256s: readonly string[]): Promise<string[]> {
  const keys: string[] = []
  for (const sha256 of new Set(sha256s)) {
    try {
      const row = await db.tx((sp) =>
        sp.get<{ blob_key: string }>(
          `DELETE FROM file_blobs WHERE sha256 = ?
             AND NOT EXISTS (SELECT 1 FROM run_files WHERE sha256 = ?) RETURNING blob_key`,
          sha256,
          sha256,
        ),
      )
      if (row !== undefined) keys.push(row.blob_key)
    } catch (err) {
      if (!db.dialect.isForeignKeyViolation(err)) throw err
    }
  }
  return keys
}
