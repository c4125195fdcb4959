import { API_PREFIX } from '@stemma/core'

/** An error answer of the REST API, with its machine-readable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type Query = Record<string, string | number | undefined | null>

let csrfToken: string | null = null
let onUnauthenticated: () => void = () => {}

/** The session's CSRF token, sent on every state-changing request made with the cookie. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** What to do when the session has ended (expired, signed out elsewhere, key revoked). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler
}

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v))
  const qs = params.toString()
  return `${API_PREFIX}${path}${qs ? `?${qs}` : ''}`
}

/** One path segment: names and ids may hold characters that mean something in a URL. */
export const seg = (s: string): string => encodeURIComponent(s)

export async function api<T>(
  path: string,
  options: { method?: string; query?: Query; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken
  const response = await fetch(apiUrl(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.signal && { signal: options.signal }),
  })
  if (response.status === 204) return undefined as T
  const text = await response.text()
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error
    if (response.status === 401 && !path.startsWith('/session')) onUnauthenticated()
    throw new ApiError(
      response.status,
      error?.code ?? 'HTTP_' + response.status,
      error?.message ?? `${response.status} ${response.statusText}`,
    )
  }
  return body as T
}
