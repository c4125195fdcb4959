import { api, setCsrfToken } from '../api/client'

export interface Session {
  username: string
  entity: string
  isAdmin: boolean
  csrfToken: string | null
}

/** The current session, or null when the browser has none (or it expired). */
export async function loadSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('/session')
    setCsrfToken(session.csrfToken)
    return session
  } catch {
    return null
  }
}

export async function signIn(apiKey: string): Promise<Session> {
  const session = await api<Session>('/session', { method: 'POST', body: { apiKey } })
  setCsrfToken(session.csrfToken)
  return session
}

export async function signOut(): Promise<void> {
  await api('/session', { method: 'DELETE' })
  setCsrfToken(null)
}

/** `#key=…` of a one-click sign-in link, removed from the address bar as soon as it is read. */
export function takeKeyFromFragment(): string | null {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash)
  if (!match) return null
  history.replaceState(null, '', location.pathname + location.search)
  try {
    return decodeURIComponent(match[1]!)
  } catch {
    return null
  }
}
