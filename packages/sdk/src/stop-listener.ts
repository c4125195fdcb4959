import { request as httpRequest, type ClientRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

const MAX_BACKOFF_MS = 30_000

/**
 * Listens on the run's event stream (Server-Sent Events) for a stop request, so a stop from the
 * web app or API reaches an idle script at once instead of at its next heartbeat. Its socket is
 * unref'd, so it never keeps the process alive; a dropped stream reconnects with backoff (the
 * heartbeat still carries the stop signal if the stream cannot be had at all).
 */
export class StopListener {
  private req: ClientRequest | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private failures = 0

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly onStop: () => void,
  ) {}

  start(): void {
    if (this.closed || this.req !== undefined) return
    const target = new URL(this.url)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(target, { headers: { ...this.headers, accept: 'text/event-stream' } })
    this.req = req
    req.on('socket', (socket) => socket.unref())
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        return
      }
      this.failures = 0
      res.setEncoding('utf8')
      let buffer = ''
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.handle(buffer.slice(0, end))
          buffer = buffer.slice(end + 2)
        }
      })
    })
    const retry = () => {
      if (this.req !== req) return
      this.req = undefined
      this.reconnect()
    }
    req.on('error', retry)
    req.on('close', retry)
    req.end()
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    const req = this.req
    this.req = undefined
    req?.destroy()
  }

  /** One SSE block: `stop` events, and any event (the first `state` too) that says a stop is pending. */
  private handle(block: string): void {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart())
      .join('\n')
    if (data === '') return
    try {
      const event = JSON.parse(data) as { type?: string; stopRequested?: boolean }
      if (event.type === 'stop' || event.stopRequested === true) this.onStop()
    } catch {
      // Not an event of ours; the heartbeat still carries the signal.
    }
  }

  private reconnect(): void {
    if (this.closed) return
    const wait = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++)
    this.timer = setTimeout(() => this.start(), wait)
    this.timer.unref()
  }
}
