import { createReadStream, createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { isErrorCode, StemmaError, type ErrorCode } from '@stemma/core'

/** What one HTTP exchange came to, as the retry loop needs to know it. */
export type Outcome<T> =
  | { kind: 'success'; status: number; body: T }
  | { kind: 'failure'; status: number; error: StemmaError }
  | { kind: 'retryable'; status: number; error: StemmaError; afterMs?: number }

/** Statuses a retry cannot fix: the request itself is wrong, or the server will never accept it. */
const NEVER_RETRY = new Set([400, 401, 403, 404, 409, 410, 413, 422, 501])

export function isRetryableStatus(status: number): boolean {
  if (NEVER_RETRY.has(status)) return false
  return status === 408 || status === 425 || status === 429 || status >= 500
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string | number | undefined>
  /** A JSON string (already encoded, so a body re-read from the write-ahead file goes out unchanged). */
  body?: string
  timeoutMs?: number
}

export interface HttpClientOptions {
  baseUrl: string
  apiKey: string | undefined
  userAgent?: string
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** One HTTP exchange with the stemma REST API. Never throws: every result is an `Outcome`. */
export class HttpClient {
  readonly baseUrl: string
  /** For a process the SDK hands the run to (the finisher), which authenticates the same way. */
  readonly apiKey: string | undefined
  private readonly headers: Record<string, string>

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.headers = { accept: 'application/json', 'user-agent': options.userAgent ?? 'stemma-sdk-node' }
    if (options.apiKey !== undefined) this.headers.authorization = `Bearer ${options.apiKey}`
  }

  /** The headers every request carries (the key, the user agent), for a stream opened elsewhere. */
  get requestHeaders(): Record<string, string> {
    return { ...this.headers }
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + path)
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return url.toString()
  }

  async request<T>(options: RequestOptions): Promise<Outcome<T>> {
    const headers: Record<string, string> = { ...this.headers }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const sent = await this.send(options, headers, options.body)
    return sent instanceof Response ? this.outcomeOf<T>(sent) : sent
  }

  /** PUTs the bytes of a local file, streamed (a checkpoint need not fit in memory). */
  async upload<T>(path: string, filePath: string, timeoutMs = 600_000): Promise<Outcome<T>> {
    const headers = { ...this.headers, 'content-type': 'application/octet-stream' }
    const body = Readable.toWeb(createReadStream(filePath)) as ReadableStream<Uint8Array>
    const sent = await this.send({ method: 'PUT', path, timeoutMs }, headers, body)
    return sent instanceof Response ? this.outcomeOf<T>(sent) : sent
  }

  /**
   * GETs `path` into the file `destination`, through a temporary file renamed at the end, so an
   * interrupted download never leaves a short file under the real name.
   */
  async download(path: string, destination: string, timeoutMs = 600_000): Promise<Outcome<undefined>> {
    const sent = await this.send({ method: 'GET', path, timeoutMs }, { ...this.headers, accept: '*/*' })
    if (!(sent instanceof Response)) return sent
    if (!sent.ok || sent.body === null) return this.outcomeOf<undefined>(sent)
    const partial = `${destination}.${process.pid}.part`
    try {
      await pipeline(Readable.fromWeb(sent.body as WebReadableStream<Uint8Array>), createWriteStream(partial))
      await rename(partial, destination)
    } catch (err) {
      await rm(partial, { force: true })
      return {
        kind: 'retryable',
        status: sent.status,
        error: new StemmaError('UNAVAILABLE', `Download cut off (${(err as Error).message}).`),
      }
    }
    return { kind: 'success', status: sent.status, body: undefined }
  }

  private async send(
    options: Pick<RequestOptions, 'method' | 'path' | 'query' | 'timeoutMs'>,
    headers: Record<string, string>,
    body?: string | ReadableStream<Uint8Array>,
  ): Promise<Response | Outcome<never>> {
    try {
      return await fetch(this.url(options.path, options.query), {
        method: options.method,
        headers,
        body,
        // A streamed body must say it is sent while the response may already arrive.
        ...(body !== undefined && typeof body !== 'string' && { duplex: 'half' }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      } as RequestInit)
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message
      return {
        kind: 'retryable',
        status: 0,
        error: new StemmaError('UNAVAILABLE', `Cannot reach ${this.baseUrl} (${cause}).`),
      }
    }
  }

  private async outcomeOf<T>(response: Response): Promise<Outcome<T>> {
    let text = ''
    try {
      text = await response.text()
    } catch {
      return {
        kind: 'retryable',
        status: response.status,
        error: new StemmaError('UNAVAILABLE', 'Response cut off.'),
      }
    }
    if (response.ok) {
      try {
        return {
          kind: 'success',
          status: response.status,
          body: (text === '' ? undefined : JSON.parse(text)) as T,
        }
      } catch {
        return {
          kind: 'failure',
          status: response.status,
          error: new StemmaError('INTERNAL', `${this.baseUrl} answered with something other than JSON.`),
        }
      }
    }
    const error = errorFromBody(response.status, text)
    if (isRetryableStatus(response.status)) {
      const afterMs = parseRetryAfter(response.headers.get('retry-after'))
      return afterMs === undefined
        ? { kind: 'retryable', status: response.status, error }
        : { kind: 'retryable', status: response.status, error, afterMs }
    }
    return { kind: 'failure', status: response.status, error }
  }
}

function errorFromBody(status: number, text: string): StemmaError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    const e = parsed.error
    if (e && typeof e.message === 'string') {
      const code: ErrorCode = isErrorCode(e.code) ? e.code : (STATUS_CODES[status] ?? 'INTERNAL')
      const details =
        e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined
      return new StemmaError(code, e.message, details)
    }
  } catch {
    // not our error shape; describe the status instead
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text
  return new StemmaError(STATUS_CODES[status] ?? 'INTERNAL', `HTTP ${status}${snippet ? `: ${snippet}` : ''}`)
}

/** For read calls: the body, or the server's error thrown as a StemmaError. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.kind === 'success') return outcome.body
  throw outcome.error
}
