import type { RunEvent } from '@stemma/core'
import type { Database } from '@stemma/store'

/** The notification channel every server process on one database listens to. */
const CHANNEL = 'stemma_run_events'
/** `data` events of one run are coalesced to at most one per this many ms per process. */
const DATA_INTERVAL_MS = 100

type Handler = (event: RunEvent) => void

const keyOf = (e: { entity: string; project: string; runId: string }) =>
  JSON.stringify([e.entity, e.project, e.runId])
const projectKeyOf = (e: { entity: string; project: string }) => JSON.stringify([e.entity, e.project])

/**
 * Run events across server processes. Publishing goes through the database's notifications
 * (PostgreSQL LISTEN/NOTIFY; in-process on SQLite), so a stop requested through one replica reaches
 * a client subscribed on another. Nothing here is state a request depends on: a subscriber that
 * misses an event still reads the truth from the store (the stream starts with the current state).
 */
export class RunEvents {
  private readonly handlers = new Map<string, Set<Handler>>()
  private listening: Promise<unknown> | undefined
  private readonly throttled = new Map<string, { timer: NodeJS.Timeout | null; pending: RunEvent | null }>()

  constructor(private readonly database: Database) {}

  /** Sends `event` to every subscriber of its run, in every process. Never throws. */
  publish(event: RunEvent): void {
    if (event.type === 'data') return this.publishThrottled(event)
    this.send(event)
  }

  /** Calls `handler` for each event of one run until the returned function is called. */
  subscribe(run: { entity: string; project: string; runId: string }, handler: Handler): Promise<() => void> {
    return this.add(keyOf(run), handler)
  }

  /** Calls `handler` for each event of every run of a project (a workspace page's one stream). */
  subscribeProject(project: { entity: string; project: string }, handler: Handler): Promise<() => void> {
    return this.add(projectKeyOf(project), handler)
  }

  private async add(key: string, handler: Handler): Promise<() => void> {
    this.listening ??= this.database.listen(CHANNEL, (payload) => this.deliver(payload))
    await this.listening
    let set = this.handlers.get(key)
    if (!set) this.handlers.set(key, (set = new Set()))
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0) this.handlers.delete(key)
    }
  }

  close(): void {
    for (const t of this.throttled.values()) if (t.timer) clearTimeout(t.timer)
    this.throttled.clear()
  }

  private publishThrottled(event: RunEvent): void {
    const key = keyOf(event)
    const slot = this.throttled.get(key)
    if (slot) {
      slot.pending = event
      return
    }
    this.send(event)
    const entry: { timer: NodeJS.Timeout | null; pending: RunEvent | null } = { timer: null, pending: null }
    entry.timer = setTimeout(() => {
      this.throttled.delete(key)
      if (entry.pending) this.publishThrottled(entry.pending)
    }, DATA_INTERVAL_MS)
    entry.timer.unref()
    this.throttled.set(key, entry)
  }

  private send(event: RunEvent): void {
    // A lost notification costs a subscriber a prompt update, never data: do not fail the request.
    this.database.notify(CHANNEL, JSON.stringify(event)).catch(() => {})
  }

  private deliver(payload: string): void {
    let event: RunEvent
    try {
      event = JSON.parse(payload) as RunEvent
    } catch {
      return
    }
    for (const handler of this.handlers.get(keyOf(event)) ?? []) handler(event)
    for (const handler of this.handlers.get(projectKeyOf(event)) ?? []) handler(event)
  }
}
