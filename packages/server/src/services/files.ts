import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { assertFileName, StemmaError, type RunFile, type RunFileList } from '@stemma/core'
import type { ApiKeyOwner, BlobStore, RunRef, StoredRunFile } from '@stemma/store'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from './context.js'
import { describeRef, loadRun, requireWritable, type RunTarget } from './targets.js'

/** The largest run file one upload may carry; bigger things belong in artifacts. */
export const MAX_FILE_BYTES = 5 * 1024 ** 3

function blobsOf(ctx: ServiceContext): BlobStore {
  if (ctx.blobs === undefined) {
    throw new StemmaError(
      'UNAVAILABLE',
      'This server has no blob store configured, so it keeps no run files.',
    )
  }
  return ctx.blobs
}

/**
 * Stores the bytes of `body` as run file `name`. The content goes to the blob store first, under
 * a key the store assigns; only then is the name linked to it, in one transaction. Content the
 * store already had (same SHA-256) is kept once and the fresh copy deleted.
 */
export async function uploadFile(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  name: string,
  body: Readable | Buffer,
): Promise<RunFile> {
  assertFileName(name)
  const ref = await requireWritable(ctx, viewer, target)
  // Refuse before reading a possibly large body for a run that does not exist.
  await loadRun(ctx, viewer, target)
  return storeRunFile(ctx, ref, name, body)
}

/**
 * The upload itself, for a caller that has checked the name, the run and the right to write it
 * (`uploadFile`, or a signed upload URL whose signature is that right).
 */
export async function storeRunFile(
  ctx: ServiceContext,
  ref: RunRef,
  name: string,
  body: Readable | Buffer,
): Promise<RunFile> {
  const blobs = blobsOf(ctx)
  const stored = await blobs.put(Buffer.isBuffer(body) ? limited(body) : body.pipe(new ByteLimit()))
  let outcome: Awaited<ReturnType<typeof ctx.store.files.put>>
  try {
    outcome = await ctx.store.files.put(ref, { name, blob: stored, now: ctx.now() })
  } catch (err) {
    await blobs.delete(stored.key).catch(() => {})
    throw err
  }
  freeBlobs(ctx, outcome.unusedBlobKeys)
  await publishFilesChanged(ctx, ref)
  return outcome.file
}

export async function listFiles(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
): Promise<RunFileList> {
  await loadRun(ctx, viewer, target)
  return { files: await ctx.store.files.list(target.ref) }
}

/** The file and where its bytes are; NOT_FOUND when the run has no file by that name. */
export async function findFile(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  name: string,
): Promise<{ file: StoredRunFile; blobs: BlobStore }> {
  assertFileName(name)
  await loadRun(ctx, viewer, target)
  const file = await ctx.store.files.get(target.ref, name)
  if (file === null) {
    throw new StemmaError('NOT_FOUND', `Run ${describeRef(target.ref)} has no file ${JSON.stringify(name)}.`)
  }
  return { file, blobs: blobsOf(ctx) }
}

export async function deleteFile(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  target: RunTarget,
  name: string,
): Promise<void> {
  assertFileName(name)
  const ref = await requireWritable(ctx, viewer, target)
  const { removed, unusedBlobKeys } = await ctx.store.files.remove(ref, name)
  if (!removed) {
    throw new StemmaError('NOT_FOUND', `Run ${describeRef(ref)} has no file ${JSON.stringify(name)}.`)
  }
  freeBlobs(ctx, unusedBlobKeys)
  await publishFilesChanged(ctx, ref)
}

/**
 * Deletes blobs no run file names any more, after the change that freed them committed. A failure
 * leaves an orphaned blob (space, not data), so it is reported and not retried.
 */
export function freeBlobs(ctx: ServiceContext, keys: readonly string[]): void {
  if (keys.length === 0 || ctx.blobs === undefined) return
  const blobs = ctx.blobs
  void Promise.all(
    keys.map((key) =>
      blobs.delete(key).catch((err: unknown) => {
        process.stderr.write(`stemma: could not delete an unused blob: ${(err as Error).message}\n`)
      }),
    ),
  )
}

async function publishFilesChanged(ctx: ServiceContext, ref: RunRef): Promise<void> {
  const run = await ctx.store.runs.get(ref)
  if (run !== null) ctx.events.publish(runEvent('files', run, ctx.now()))
}

function tooLarge(): StemmaError {
  return new StemmaError('PAYLOAD_TOO_LARGE', `A run file may be at most ${MAX_FILE_BYTES} bytes.`, {
    limit: MAX_FILE_BYTES,
  })
}

function limited(body: Buffer): Buffer {
  if (body.byteLength > MAX_FILE_BYTES) throw tooLarge()
  return body
}

/** Fails the upload stream as soon as it passes the size limit, before the rest is read. */
class ByteLimit extends Transform {
  private bytes = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.byteLength
    if (this.bytes > MAX_FILE_BYTES) callback(tooLarge())
    else callback(null, chunk)
  }
}
