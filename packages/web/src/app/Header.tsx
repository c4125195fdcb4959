import { signOut, type Session } from './session'
import { Link } from './link'
import { navigate, paths, type Route } from './router'
import { useTheme } from './theme'

export function Header({
  session,
  route,
  onSignedOut,
}: {
  session: Session
  route: Route
  onSignedOut: () => void
}) {
  const [theme, toggleTheme] = useTheme()
  const crumbs: { label: string; href: string }[] = []
  if ('entity' in route) crumbs.push({ label: route.entity, href: paths.projects(route.entity) })
  if ('project' in route)
    crumbs.push({ label: route.project, href: paths.workspace(route.entity, route.project) })
  if (route.page === 'run')
    crumbs.push({ label: route.runId, href: paths.run(route.entity, route.project, route.runId) })

  const out = async () => {
    await signOut().catch(() => {})
    onSignedOut()
    navigate('/sign-in', { replace: true })
  }
  return (
    <header className="top">
      <Link href={paths.projects(session.entity)} className="brand">
        stemma
      </Link>
      <nav aria-label="Breadcrumb" className="crumbs">
        {crumbs.map((c) => (
          <span key={c.href}>
            <span className="sep">/</span>
            <Link href={c.href}>{c.label}</Link>
          </span>
        ))}
      </nav>
      <span className="spacer" />
      <button type="button" className="ghost" onClick={toggleTheme} title="Switch theme">
        {theme === 'dark' ? 'Light theme' : 'Dark theme'}
      </button>
      <span className="who">{session.username}</span>
      <button type="button" className="ghost" onClick={out}>
        Sign out
      </button>
    </header>
  )
}
