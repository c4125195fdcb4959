import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PUBLIC_URL, startApp, type TestApp } from './helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
})
afterEach(() => t.close())

describe('CORS', () => {
  it('answers a preflight from the server’s own origin, without a key', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/runs/admin/p/r/files/notes.txt',
      headers: { origin: PUBLIC_URL, 'access-control-request-method': 'GET' },
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(PUBLIC_URL)
    expect(res.headers['access-control-allow-methods']).toContain('PUT')
  })

  it('gives another origin no CORS headers, and still asks for a key', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/runs/admin/p',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    })
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(preflight.statusCode).not.toBe(204)
    const get = await t.app.inject({
      method: 'GET',
      url: '/api/v1/runs/admin/p',
      headers: { origin: 'https://evil.example' },
    })
    expect(get.statusCode).toBe(401)
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
  })
})
