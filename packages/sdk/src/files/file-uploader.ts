import { createHash } from 'node:crypto'
import { createReadStream, readdirSync, statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeFileName, type RunFile, type RunFileList } from '@stemma/core'
import type { Warn } from '../settings.js'
import type { HttpClient } from '../transport.js'

const RETRY_INITIAL_MS = 1_000
const RETRY_MAX_MS = 30_000

/** Lowercase hex SHA-256 of a file, streamed. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/** Every regular file under `dir` (following links), as `/`-separated names relative to it. */
export function filesUnder(dir: string, prefix = ''): { name: string; path: string }[] {
  let entries: string[]
  try {
    entries = readdirSync(dir).sort()
  } catch {
    return []
  }
  const out: { name: string; path: string }[] = []
  for (const entry of entries) {
    const path = join(dir, entry)
    const name = prefix === '' ? entry : `${prefix}/${entry}`
    try {
      const info = statSync(path)
      if (info.isDirectory()) out.push(...filesUnder(path, name))
      else if (info.isFile()) out.push({ name, path })
    } catch {
      // a link whose target is gone: nothing to upload
    }
  }
  return out
}

/**
 * Uploads run files one at a time, each at most once per content: a file whose bytes the server
 * already holds under that name (by SHA-256) is skipped. Server trouble is retried with backoff;
 * a refusal (a bad name, a run that is gone) is reported once and dropped.
 */
export class FileUploader {
  /** Name → SHA-256 of what the server has under it. */
  private readonly known = new Map<string, string>()
  /**
   * Name → size and modification time of the local file when it was last uploaded, so a file
   * queued again unchanged (every file is, at finish) is not read again to be hashed.
   */
  private readonly sent = new Map<string, string>()
  /** Name → local path, waiting. A name queued again while waiting is uploaded once. */
  private readonly queued = new Map<string, string>()
  private running: Promise<void> | undefined
  private retryMs = RETRY_INITIAL_MS
  private retryTimer: NodeJS.Timeout | undefined
  private stopped = false
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly client: HttpClient,
    /** `/api/v1/runs/:entity/:project/:runId` */
    private readonly apiPath: string,
    private readonly warn: Warn,
  ) {}

  /** Names still to upload (queued or in flight). */
  get pending(): number {
    return this.queued.size + (this.running === undefined ? 0 : 1)
  }

  /** Learns what the server already has, so unchanged files are not sent again (used by sync). */
  async loadKnown(): Promise<void> {
    const outcome = await this.client.request<RunFileList>({ method: 'GET', path: `${this.apiPath}/files` })
    if (outcome.kind !== 'success') return
    for (const file of outcome.body.files) this.known.set(file.name, file.sha256)
  }

  queue(name: string, path: string): void {
    if (this.stopped) return
    this.queued.set(name, path)
    this.kick()
  }

  /** Resolves true once nothing is pending, or false when `timeoutMs` passes first. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true
    let timer: NodeJS.Timeout | undefined
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ])
    clearTimeout(timer)
    return done
  }

  stop(): void {
    this.stopped = true
    this.queued.clear()
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.notifyIdle()
  }

  private kick(): void {
    if (this.running !== undefined || this.retryTimer !== undefined || this.queued.size === 0) return
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (this.queued.size > 0) this.kick()
      else this.notifyIdle()
    })
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const next = this.queued.entries().next()
      if (next.done === true) return
      const [name, path] = next.value
      this.queued.delete(name)
      const again = await this.uploadOne(name, path)
      if (again) {
        // Put it back (unless a newer version was queued meanwhile) and wait before the next try.
        if (!this.queued.has(name)) this.queued.set(name, path)
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined
          this.kick()
        }, this.retryMs)
        this.retryTimer.unref()
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS)
        return
      }
      this.retryMs = RETRY_INITIAL_MS
    }
  }

  /** True when the upload should be tried again later. */
  private async uploadOne(name: string, path: string): Promise<boolean> {
    let sha256: string
    let version: string
    try {
      const info = await stat(path)
      version = `${info.size}:${info.mtimeMs}`
      if (this.sent.get(name) === version) return false
      sha256 = await hashFile(path)
    } catch (err) {
      this.warn(`could not read ${path} to upload it as ${name}: ${(err as Error).message}`)
      return false
    }
    if (this.known.get(name) === sha256) {
      this.sent.set(name, version)
      return false
    }
    const outcome = await this.client.upload<RunFile>(`${this.apiPath}/files/${encodeFileName(name)}`, path)
    if (outcome.kind === 'success') {
      this.known.set(name, outcome.body.sha256)
      // What the server hashed is what was read; a change during the upload shows as a new mtime.
      if (outcome.body.sha256 === sha256) this.sent.set(name, version)
      return false
    }
    if (outcome.kind === 'retryable') return true
    this.warn(`could not upload ${name}: ${outcome.error.message}`)
    return false
  }

  private notifyIdle(): void {
    if (this.pending > 0 && !this.stopped) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
