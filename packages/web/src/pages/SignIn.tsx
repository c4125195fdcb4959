import { useEffect, useRef, useState, type FormEvent } from 'react'
import { ApiError } from '../api/client'
import { navigate } from '../app/router'
import { signIn, takeKeyFromFragment, type Session } from '../app/session'

/** Where to go after signing in: a same-app path only, never another origin. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next')
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const started = useRef(false)

  const submit = async (apiKey: string) => {
    setBusy(true)
    setError(null)
    try {
      const session = await signIn(apiKey.trim())
      onSignedIn(session)
      navigate(nextPath(location.search), { replace: true })
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That API key is not valid.' : String(err))
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    if (started.current) return
    started.current = true
    const fromLink = takeKeyFromFragment()
    if (fromLink !== null) void submit(fromLink)
  }, []) // eslint-disable-line react-hooks/exhaustive-deps -- once, on arrival from a link

  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    if (key.trim() !== '') void submit(key)
  }

  return (
    <main className="sign-in">
      <form onSubmit={onSubmit} className="card">
        <h1>Sign in to stemma</h1>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <p className="hint">
          The key <code>stemma server</code> printed at its first start, or one in{' '}
          <code>.stemma/admin-api-key</code>.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
