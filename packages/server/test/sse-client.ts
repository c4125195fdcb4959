import type { RunEvent } from '@stemma/core'

/** A live SSE subscription read over a real socket: events arrive in `events`, `next` waits for one. */
export interface EventStream {
  events: RunEvent[]
  /** Resolves with the first event after those already seen that matches, or rejects after `ms`. */
  next(match: (e: RunEvent) => boolean, ms?: number): Promise<RunEvent>
  close(): void
}

export async function subscribe(url: string, key: string): Promise<EventStream> {
  const abort = new AbortController()
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal })
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  const events: RunEvent[] = []
  const waiters: (() => void)[] = []
  void (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    const reader = res.body!.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block.split('\n').find((l) => l.startsWith('data: '))
          if (data) events.push(JSON.parse(data.slice(6)) as RunEvent)
          waiters.splice(0).forEach((w) => w())
        }
      }
    } catch {
      // aborted by close()
    }
  })()
  let seen = 0
  return {
    events,
    async next(match, ms = 5000) {
      const deadline = Date.now() + ms
      for (;;) {
        while (seen < events.length) {
          const e = events[seen++]!
          if (match(e)) return e
        }
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    close: () => abort.abort(),
  }
}
