import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * How the proxy treats traffic:
 * - `forward`: every connection is piped to the upstream server.
 * - `reset`: open connections are reset and new ones are reset as soon as they are accepted, as a
 *   host whose port is closed (or a firewall that rejects) would do: the client sees ECONNRESET.
 * - `drop`: nothing gets through and nothing comes back, as when packets are silently dropped.
 *   Open connections stall, new ones are accepted and held; bytes sent meanwhile are kept and
 *   delivered when the mode returns to `forward` (TCP's retransmission would do the same).
 */
export type ProxyMode = 'forward' | 'reset' | 'drop'

export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string
  readonly mode: ProxyMode
  setMode(mode: ProxyMode): void
  /** Connections accepted so far (a client that reconnects shows up here). */
  readonly accepted: number
  close(): Promise<void>
}

interface Link {
  client: Socket
  upstream: Socket | undefined
  /** Client bytes that arrived before the link had an upstream. */
  pending: Buffer[]
}

/** A TCP proxy on 127.0.0.1 (a free port) in front of `upstreamPort`, switchable between modes. */
export async function startTcpProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward'
  let accepted = 0
  const links = new Set<Link>()

  const drop = (link: Link) => {
    links.delete(link)
    link.client.destroy()
    link.upstream?.destroy()
  }
  const reset = (link: Link) => {
    links.delete(link)
    link.upstream?.destroy()
    if (!link.client.destroyed) link.client.resetAndDestroy()
  }
  const open = (link: Link) => {
    const upstream = connect(upstreamPort, upstreamHost)
    link.upstream = upstream
    for (const chunk of link.pending) upstream.write(chunk)
    link.pending = []
    upstream.on('data', (chunk: Buffer) => link.client.write(chunk))
    upstream.on('end', () => link.client.end())
    upstream.on('error', () => drop(link))
    upstream.on('close', () => drop(link))
  }

  const server: Server = createServer((client) => {
    accepted++
    const link: Link = { client, upstream: undefined, pending: [] }
    links.add(link)
    client.on('error', () => drop(link))
    client.on('close', () => drop(link))
    if (mode === 'reset') return reset(link)
    client.on('data', (chunk: Buffer) => {
      if (link.upstream !== undefined) link.upstream.write(chunk)
      else link.pending.push(chunk)
    })
    client.on('end', () => link.upstream?.end())
    if (mode === 'forward') open(link)
    else client.pause()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address')

  return {
    url: `http://127.0.0.1:${address.port}`,
    get mode() {
      return mode
    },
    get accepted() {
      return accepted
    },
    setMode(next) {
      mode = next
      for (const link of [...links]) {
        if (next === 'reset') reset(link)
        else if (next === 'drop') {
          // Stop reading both ways: what is in flight stays in the kernel's buffers, unanswered.
          link.client.pause()
          link.upstream?.pause()
        } else {
          if (link.upstream === undefined) open(link)
          link.client.resume()
          link.upstream!.resume()
        }
      }
    },
    async close() {
      for (const link of [...links]) drop(link)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
