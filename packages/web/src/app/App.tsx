import { useEffect, useState } from 'react'
import { setUnauthenticatedHandler } from '../api/client'
import { Projects } from '../pages/Projects'
import { RunPage } from '../pages/RunPage'
import { SignIn } from '../pages/SignIn'
import { Workspace } from '../pages/Workspace'
import { Header } from './Header'
import { navigate, parseRoute, useLocation } from './router'
import { loadSession, type Session } from './session'
import { useShortcuts } from './shortcuts'

function signInHref(): string {
  const here = location.pathname + location.search
  return here === '/' || here.startsWith('/sign-in')
    ? '/sign-in'
    : `/sign-in?next=${encodeURIComponent(here)}`
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const { pathname } = useLocation()
  const route = parseRoute(pathname)
  const shortcuts = useShortcuts()

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setSession(null)
      navigate(signInHref(), { replace: true })
    })
    // A one-click link carries its key to the sign-in page, which reads it before anything else.
    if (location.hash.includes('key=')) {
      setSession(null)
      return
    }
    void loadSession().then(setSession)
  }, [])

  useEffect(() => {
    if (session === null && route.page !== 'sign-in') navigate(signInHref(), { replace: true })
    if (session && route.page === 'home')
      navigate(`/${encodeURIComponent(session.entity)}`, { replace: true })
  }, [session, route.page])

  if (session === undefined) return <div className="loading">Loading…</div>
  if (session === null || route.page === 'sign-in') return <SignIn onSignedIn={setSession} />

  return (
    <>
      <Header session={session} route={route} onSignedOut={() => setSession(null)} />
      {route.page === 'projects' && <Projects entity={route.entity} />}
      {route.page === 'workspace' && <Workspace entity={route.entity} project={route.project} />}
      {route.page === 'run' && (
        <RunPage entity={route.entity} project={route.project} runId={route.runId} tab={route.tab} />
      )}
      {route.page === 'not-found' && <main className="empty">This page does not exist.</main>}
      {shortcuts}
    </>
  )
}
