import { useCallback, useSyncExternalStore } from 'react'

/** The pages of the app, parsed from the address; every view setting lives in its query. */
export type Route =
  | { page: 'home' }
  | { page: 'sign-in' }
  | { page: 'projects'; entity: string }
  | { page: 'workspace'; entity: string; project: string }
  | { page: 'run'; entity: string; project: string; runId: string; tab: RunTab }
  | { page: 'not-found' }

export const RUN_TABS = ['overview', 'workspace', 'system', 'logs', 'files', 'artifacts'] as const
export type RunTab = (typeof RUN_TABS)[number]

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p)
      } catch {
        return p
      }
    })
  const [entity, project, runs, runId, tab, ...rest] = parts
  if (parts.length === 0) return { page: 'home' }
  if (parts.length === 1 && entity === 'sign-in') return { page: 'sign-in' }
  if (parts.length === 1) return { page: 'projects', entity: entity! }
  if (parts.length === 2) return { page: 'workspace', entity: entity!, project: project! }
  if (runs === 'runs' && runId !== undefined && rest.length === 0) {
    const runTab = (tab ?? 'overview') as RunTab
    if (!RUN_TABS.includes(runTab)) return { page: 'not-found' }
    return { page: 'run', entity: entity!, project: project!, runId, tab: runTab }
  }
  return { page: 'not-found' }
}

export const paths = {
  projects: (entity: string) => `/${enc(entity)}`,
  workspace: (entity: string, project: string) => `/${enc(entity)}/${enc(project)}`,
  run: (entity: string, project: string, runId: string, tab?: RunTab) =>
    `/${enc(entity)}/${enc(project)}/runs/${enc(runId)}${tab && tab !== 'overview' ? `/${tab}` : ''}`,
}

function enc(s: string): string {
  return encodeURIComponent(s)
}

const listeners = new Set<() => void>()
const notify = () => listeners.forEach((l) => l())
let listening = false

function subscribe(listener: () => void): () => void {
  if (!listening) {
    window.addEventListener('popstate', notify)
    listening = true
  }
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Moves to `href` (path and query) without a page load. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return
  if (options.replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  notify()
}

export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search)
  const q = href.indexOf('?')
  return q < 0 ? { pathname: href, search: '' } : { pathname: href.slice(0, q), search: href.slice(q) }
}

/**
 * One query parameter as state. Setting it rewrites the address in place (replace), so sharing
 * the address shares the view, without every slider movement becoming a history entry.
 */
export function useQueryParam(name: string): [string | null, (value: string | null) => void] {
  const { search } = useLocation()
  const value = new URLSearchParams(search).get(name)
  const set = useCallback(
    (next: string | null) => {
      const params = new URLSearchParams(location.search)
      if (next === null || next === '') params.delete(name)
      else params.set(name, next)
      const qs = params.toString()
      navigate(location.pathname + (qs ? `?${qs}` : ''), { replace: true })
    },
    [name],
  )
  return [value, set]
}
