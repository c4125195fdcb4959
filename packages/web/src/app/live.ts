import { useEffect } from 'react'
import type { RunEvent } from '@stemma/core'
import { apiUrl, seg } from '../api/client'

type Listener = (event: RunEvent) => void

/**
 * Live run events for whatever is on screen. One EventSource per page (a project's stream, or one
 * run's), fanned out here: browsers allow six connections per origin, so one per chart would not do.
 */
export class LiveEvents {
  private readonly listeners = new Map<string, Set<Listener>>()
  private readonly any = new Set<Listener>()

  on(runId: string | null, listener: Listener): () => void {
    if (runId === null) {
      this.any.add(listener)
      return () => this.any.delete(listener)
    }
    let set = this.listeners.get(runId)
    if (!set) this.listeners.set(runId, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners.get(event.runId) ?? []) l(event)
    for (const l of this.any) l(event)
  }
}

export const liveEvents = new LiveEvents()

/** Streams `path`'s events into `liveEvents` while mounted; EventSource reconnects by itself. */
export function useEventStream(path: string | null): void {
  useEffect(() => {
    if (path === null) return
    const source = new EventSource(apiUrl(path), { withCredentials: true })
    const onEvent = (e: MessageEvent<string>) => {
      try {
        liveEvents.emit(JSON.parse(e.data) as RunEvent)
      } catch {
        // A malformed event is dropped; the next one carries the full state again.
      }
    }
    for (const type of ['state', 'data', 'stop', 'files']) source.addEventListener(type, onEvent)
    return () => source.close()
  }, [path])
}

export const projectEventsPath = (entity: string, project: string) =>
  `/projects/${seg(entity)}/${seg(project)}/events`
export const runEventsPath = (entity: string, project: string, runId: string) =>
  `/runs/${seg(entity)}/${seg(project)}/${seg(runId)}/events`
