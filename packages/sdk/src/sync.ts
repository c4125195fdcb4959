import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  API_PREFIX,
  StemmaError,
  type InitRequest,
  type InitResponse,
  type IngestResponse,
} from '@stemma/core'
import { runApiPath } from './init.js'
import { RetryingTransport, type RetryHooks } from './retrying-transport.js'
import { INFO_FILE, readRunInfo, WAL_FILE, writeRunInfo, type RunInfo } from './run-dir.js'
import { defaultWarn, envString, resolveConnection } from './settings.js'
import { HttpClient } from './transport.js'
import { WalCursor } from './wal.js'
import { FileUploader, filesUnder } from './files/file-uploader.js'

export interface SyncOptions {
  baseUrl?: string
  apiKey?: string
  /** After each record sent: records read so far, and how far into the file that is. */
  onProgress?: (progress: { records: number; bytes: number; totalBytes: number }) => void
  /** Before each wait for a retry: why the last attempt failed, and how long until the next. */
  onRetry?: (reason: string, waitMs: number) => void
  /** Backoff for retryable failures; defaults 1 s → 60 s, giving up after 10 minutes per request. */
  retryInitialMs?: number
  retryMaxMs?: number
  deadlineMs?: number
}

export interface SyncResult {
  runPath: string
  /** Valid records in the write-ahead file. */
  records: number
  /** Records the server applied now. */
  sent: number
  /** Records the server already had (a re-sent batch is a no-op). */
  duplicates: number
  /** Bytes after the last valid record: a torn tail, or a record still being written. */
  trailingBytes: number
  /** The file holds the run's exit record, so the run has ended on the server. */
  ended: boolean
  /** Files in the run directory's `files/` not yet on the server after this sync (0: all there). */
  filesPending: number
}

/**
 * Delivers a run directory's write-ahead file: creates the run if the server has not seen it
 * (offline runs), then posts every intact record in order with its original writer id and
 * sequence number. Safe to repeat and to run while the training process is still writing.
 */
export async function syncRunDir(dir: string, options: SyncOptions = {}): Promise<SyncResult> {
  if (!existsSync(join(dir, INFO_FILE))) {
    throw new StemmaError(
      'NOT_FOUND',
      `${dir} is not a run directory with something to sync (no ${INFO_FILE}: the process ended before its run started).`,
    )
  }
  const info = readRunInfo(dir)
  const connection = resolveConnection(
    {
      baseUrl: options.baseUrl ?? envString(process.env, 'STEMMA_BASE_URL') ?? info.baseUrl,
      apiKey: options.apiKey,
    },
    process.env,
    defaultWarn,
  )
  const client = new HttpClient(connection)
  const transport = new RetryingTransport(client, {
    initialMs: options.retryInitialMs ?? 1_000,
    maxMs: options.retryMaxMs ?? 60_000,
    deadlineMs: options.deadlineMs ?? 600_000,
    keepAlive: true,
  })
  const hooks: RetryHooks = { onRetry: (o, _attempt, waitMs) => options.onRetry?.(o.error.message, waitMs) }
  let entity = info.entity
  let created = false
  if (info.offline || entity === null) {
    entity = await createRun(transport, dir, info, info.init, hooks)
    created = true
  }
  const result: SyncResult = {
    runPath: `${entity}/${info.project}/${info.runId}`,
    records: 0,
    sent: 0,
    duplicates: 0,
    trailingBytes: 0,
    ended: false,
    filesPending: 0,
  }
  // A run that died between writing run.json and its first record has an empty history, not an error.
  const walPath = join(dir, WAL_FILE)
  if (existsSync(walPath))
    entity = await deliverWal(walPath, dir, info, entity, created, transport, hooks, result, options)
  result.filesPending = await syncFiles(
    client,
    dir,
    runApiPath(entity, info.project, info.runId),
    options.deadlineMs ?? 600_000,
  )
  return result
}

/** Uploads the run directory's saved files the server does not have yet; returns how many are left. */
async function syncFiles(
  client: HttpClient,
  dir: string,
  apiPath: string,
  deadlineMs: number,
): Promise<number> {
  const local = filesUnder(join(dir, 'files'))
  if (local.length === 0) return 0
  const uploader = new FileUploader(client, apiPath, defaultWarn)
  await uploader.loadKnown()
  for (const { name, path } of local) uploader.queue(name, path)
  await uploader.idle(deadlineMs)
  const left = uploader.pending
  uploader.stop()
  return left
}

async function deliverWal(
  walPath: string,
  dir: string,
  info: RunInfo,
  startEntity: string,
  alreadyCreated: boolean,
  transport: RetryingTransport,
  hooks: RetryHooks,
  result: SyncResult,
  options: SyncOptions,
): Promise<string> {
  let entity = startEntity
  let created = alreadyCreated
  const cursor = new WalCursor(walPath)
  try {
    const committed = new Map<string, number>()
    for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) {
      const { batch, body } = entry.record
      result.records++
      if (batch.exit !== undefined) result.ended = true
      if ((committed.get(batch.writerId) ?? 0) >= batch.seq) {
        result.duplicates++
        continue
      }
      const post = () =>
        transport.send<IngestResponse>(
          {
            method: 'POST',
            path: `${runApiPath(entity, info.project, info.runId)}/batches`,
            body,
          },
          hooks,
        )
      let outcome = await post()
      if (outcome.kind === 'failure' && outcome.status === 404 && !created) {
        // The server lost or deleted the run: create it again (same id) and carry on.
        entity = await createRun(transport, dir, info, minimalInit(info), hooks)
        created = true
        outcome = await post()
      }
      if (outcome.kind !== 'success') {
        throw new StemmaError(
          outcome.error.code,
          `sync of ${dir} stopped at batch ${batch.seq} (${result.sent} sent, ${result.duplicates} already there): ${outcome.error.message}`,
          outcome.error.details,
        )
      }
      committed.set(batch.writerId, outcome.body.committedSeq)
      if (outcome.body.duplicate) result.duplicates++
      else result.sent++
      options.onProgress?.({ records: result.records, bytes: cursor.offset, totalBytes: cursor.size })
    }
    result.trailingBytes = cursor.trailingBytes
    return entity
  } finally {
    cursor.close()
  }
}

/** For a run the server knew once: no fork or rewind again, just "continue this id". */
function minimalInit(info: RunInfo): InitRequest {
  const request: InitRequest = { project: info.project, id: info.runId }
  if (info.entity !== null) request.entity = info.entity
  if (info.init.config) request.config = info.init.config
  if (info.init.heartbeatTimeoutS) request.heartbeatTimeoutS = info.init.heartbeatTimeoutS
  return request
}

async function createRun(
  transport: RetryingTransport,
  dir: string,
  info: RunInfo,
  init: InitRequest,
  hooks: RetryHooks,
): Promise<string> {
  const request: InitRequest = { ...init, id: info.runId, resume: 'allow' }
  const outcome = await transport.send<InitResponse>(
    { method: 'POST', path: `${API_PREFIX}/runs`, body: JSON.stringify(request) },
    hooks,
  )
  if (outcome.kind !== 'success') {
    throw new StemmaError(
      outcome.error.code,
      `sync of ${dir} could not create the run: ${outcome.error.message}`,
      outcome.error.details,
    )
  }
  const entity = outcome.body.run.entity
  // Recorded at once, so the next sync continues the run instead of forking or rewinding again.
  info.offline = false
  info.entity = entity
  writeRunInfo(dir, info)
  return entity
}
