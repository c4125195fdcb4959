import { createServer } from 'node:net'

/**
 * A loopback port that was free a moment ago: the OS picks it, the listener is closed again.
 * Good for a server about to be spawned, and for an endpoint known to have nobody listening.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') return reject(new Error('no port assigned'))
      server.close(() => resolve(address.port))
    })
  })
}
