import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { API_KEY, startServer } from '../helpers/server.js'

describe('stopping the server', () => {
  it('does not wait forever for a request whose body never ends', async () => {
    const server = await startServer()
    await server.json('/api/v1/runs', { method: 'POST', body: JSON.stringify({ project: 'p', id: 'r1' }) })
    // An upload that sends part of its body and then nothing: a client that hung, not one that left.
    const url = new URL(`${server.baseUrl}/api/v1/runs/admin/p/r1/files/big.bin`)
    const stalled = request(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(10 * 1024 * 1024) },
    })
    stalled.on('error', () => {})
    stalled.write(Buffer.alloc(64 * 1024))
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    await server.stop()
    // The grace period is 10 s; without it the process would wait on the client for good.
    expect(Date.now() - t0).toBeLessThan(30_000)
    stalled.destroy()
  }, 60_000)
})
