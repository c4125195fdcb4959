import { SESSION_COOKIE } from '@stemma/core'

/** Longer than any token we issue; a longer value is not ours and is not parsed further. */
const MAX_TOKEN_LENGTH = 2048

/** The session token from a `Cookie` header, or null. Only the first `stemma_session` counts. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined) return null
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=')
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue
    const value = pair.slice(eq + 1).trim()
    return value.length > 0 && value.length <= MAX_TOKEN_LENGTH ? value : null
  }
  return null
}

/**
 * `HttpOnly` keeps the token from page scripts, `SameSite=Strict` keeps other sites' pages from
 * sending it, and `Secure` (behind https) keeps it off plain-text connections.
 */
export function sessionCookie(token: string, options: { maxAgeS: number; secure: boolean }): string {
  const parts = [`${SESSION_COOKIE}=${token}`, 'HttpOnly', 'SameSite=Strict', 'Path=/']
  parts.push(`Max-Age=${options.maxAgeS}`)
  if (options.secure) parts.push('Secure')
  return parts.join('; ')
}

/** Tells the browser to drop the cookie now. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeS: 0, secure })
}
