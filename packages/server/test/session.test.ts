import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { CSRF_HEADER, SESSION_COOKIE, type SessionResponse } from '@stemma/core'
import { hashApiKey } from '@stemma/server'
import { SessionTokens } from '../src/auth/session.js'
import { json, startApp, type TestApp } from './helpers.js'

const SEVEN_DAYS_S = 7 * 24 * 60 * 60
const RUN = '/api/v1/runs/admin/p/notes01'

let t: TestApp
beforeAll(async () => {
  t = await startApp()
  expect((await t.call('POST', '/api/v1/runs', { project: 'p', id: 'notes01' })).statusCode).toBe(201)
})
afterAll(() => t.close())

function signIn(apiKey: unknown, app = t) {
  return app.app.inject({
    method: 'POST',
    url: '/api/v1/session',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ apiKey }),
  })
}

/** The token the sign-in response set, checking the cookie's attributes on the way. */
function tokenOf(res: LightMyRequestResponse): string {
  const cookie = res.headers['set-cookie']
  expect(typeof cookie).toBe('string')
  const match = new RegExp(`^${SESSION_COOKIE}=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+); `).exec(cookie as string)
  expect(match, cookie as string).not.toBeNull()
  return match![1]!
}

/** A request signed in by the cookie only, with the CSRF header when given. */
function withCookie(
  method: string,
  url: string,
  token: string,
  options: { csrf?: string; body?: unknown } = {},
) {
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: {
      cookie: `theme=dark; ${SESSION_COOKIE}=${token}`,
      ...(options.csrf !== undefined && { [CSRF_HEADER]: options.csrf }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(options.body !== undefined && { payload: JSON.stringify(options.body) }),
  })
}

const notes = async () => json<{ notes: string }>(await t.call('GET', RUN)).notes
const errorCode = (res: LightMyRequestResponse) => json<{ error: { code: string } }>(res).error.code

describe('signing in', () => {
  it('trades a valid key for an HttpOnly, SameSite=Strict session cookie and a CSRF token', async () => {
    const res = await signIn(t.adminKey)
    expect(res.statusCode, res.body).toBe(200)
    const body = json<SessionResponse>(res)
    expect(body).toEqual({ username: 'admin', entity: 'admin', isAdmin: true, csrfToken: expect.any(String) })
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const token = tokenOf(res)
    expect(res.headers['set-cookie']).toBe(
      `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SEVEN_DAYS_S}`,
    )
    expect(res.headers['cache-control']).toBe('no-store')
    // The cookie carries no key: only its hash, signed.
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).not.toContain(t.adminKey)
  })

  it('marks the cookie Secure when the server is reached over https', async () => {
    const secure = await startApp({ publicUrl: () => 'https://stemma.example' })
    try {
      const res = await signIn(secure.adminKey, secure)
      expect(res.statusCode).toBe(200)
      expect(res.headers['set-cookie']).toMatch(
        /; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800; Secure$/,
      )
    } finally {
      await secure.close()
    }
  })

  it('refuses a wrong key with the API’s 401 and sets no cookie', async () => {
    const res = await signIn('local-wrongwrongwrongwrongwrongwrongwrongwrong')
    expect(res.statusCode).toBe(401)
    expect(json(res)).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Invalid API key.' } })
    expect(res.headers['set-cookie']).toBeUndefined()
  })

  it('validates the body: one apiKey of 1–512 characters, nothing else', async () => {
    for (const payload of [
      {},
      { apiKey: '' },
      { apiKey: 'k'.repeat(513) },
      { apiKey: 7 },
      { apiKey: t.adminKey, x: 1 },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      })
      expect(res.statusCode, JSON.stringify(payload)).toBe(422)
    }
    // Only JSON is parsed, so a plain cross-site form cannot sign a visitor in.
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `apiKey=${t.adminKey}`,
    })
    expect(form.statusCode).toBe(415)
  })
})

describe('a session cookie', () => {
  let token: string
  let csrfToken: string
  beforeAll(async () => {
    const res = await signIn(t.adminKey)
    token = tokenOf(res)
    csrfToken = json<SessionResponse>(res).csrfToken!
  })

  it('authenticates reads like the key it was signed in with', async () => {
    const res = await withCookie('GET', '/api/v1/viewer', token)
    expect(res.statusCode, res.body).toBe(200)
    expect(json(res)).toEqual({ username: 'admin', entity: 'admin', isAdmin: true })
    expect((await withCookie('GET', RUN, token)).statusCode).toBe(200)
  })

  it('gives a reloaded page its CSRF token; a key-signed request gets null', async () => {
    const byCookie = await withCookie('GET', '/api/v1/session', token)
    expect(byCookie.statusCode).toBe(200)
    expect(json(byCookie)).toEqual({ username: 'admin', entity: 'admin', isAdmin: true, csrfToken })
    expect(byCookie.headers['cache-control']).toBe('no-store')
    const byKey = await t.call('GET', '/api/v1/session')
    expect(json(byKey)).toEqual({ username: 'admin', entity: 'admin', isAdmin: true, csrfToken: null })
    expect((await t.call('GET', '/api/v1/session', undefined, null)).statusCode).toBe(401)
  })

  it('refuses a write without the CSRF token, or with a wrong one, and changes nothing', async () => {
    const before = await notes()
    for (const csrf of [undefined, '', 'x'.repeat(43), csrfToken.slice(1), `${csrfToken}x`]) {
      const res = await withCookie('PATCH', RUN, token, {
        body: { notes: 'forged' },
        ...(csrf !== undefined && { csrf }),
      })
      expect(res.statusCode, `csrf ${csrf}`).toBe(403)
      expect(errorCode(res)).toBe('FORBIDDEN')
      expect(json<{ error: { message: string } }>(res).error.message).toMatch(/x-csrf-token/)
    }
    const create = await withCookie('POST', '/api/v1/runs', token, { body: { project: 'p', id: 'forged01' } })
    expect(create.statusCode).toBe(403)
    expect(await notes()).toBe(before)
    expect((await t.call('GET', '/api/v1/runs/admin/p/forged01')).statusCode).toBe(404)
  })

  it('accepts a write with the CSRF token', async () => {
    const res = await withCookie('PATCH', RUN, token, {
      body: { notes: 'from the browser' },
      csrf: csrfToken,
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(await notes()).toBe('from the browser')
  })

  it('gives way to an Authorization header, which needs no CSRF token', async () => {
    const headers = { cookie: `${SESSION_COOKIE}=${token}`, 'content-type': 'application/json' }
    const wrongKey = await t.app.inject({
      method: 'GET',
      url: '/api/v1/viewer',
      headers: { ...headers, authorization: 'Bearer local-wrongwrongwrongwrongwrongwrongwrongwrong' },
    })
    expect(wrongKey.statusCode).toBe(401)
    const malformed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/viewer',
      headers: { ...headers, authorization: 'Token x' },
    })
    expect(malformed.statusCode).toBe(401)
    const keyed = await t.app.inject({
      method: 'PATCH',
      url: RUN,
      headers: { ...headers, authorization: `Bearer ${t.adminKey}` },
      payload: JSON.stringify({ notes: 'by key' }),
    })
    expect(keyed.statusCode).toBe(200)
    expect(await notes()).toBe('by key')
  })

  it('is refused when forged, tampered with, garbled or signed by another server', async () => {
    const [body, signature] = token.split('.') as [string, string]
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>
    const reencode = (p: Record<string, unknown>) => Buffer.from(JSON.stringify(p)).toString('base64url')
    const otherServer = await startApp()
    let foreign: string
    try {
      // A valid key of this server, signed with the other server's secret.
      foreign = await new SessionTokens(otherServer.store.auth, () => t.clock.now).issue(
        hashApiKey(t.adminKey),
      )
    } finally {
      await otherServer.close()
    }
    const forged = [
      `${reencode({ ...payload, exp: (payload.exp as number) + 1000 })}.${signature}`,
      `${reencode({ ...payload, h: hashApiKey('someone else') })}.${signature}`,
      `${body}.${Buffer.from('x'.repeat(32)).toString('base64url')}`,
      `${body}.`,
      body,
      `${token}.${signature}`,
      'garbage',
      `${body}.${signature.slice(0, -2)}`,
      foreign,
    ]
    for (const cookie of forged) {
      const res = await withCookie('GET', '/api/v1/viewer', cookie)
      expect(res.statusCode, cookie).toBe(401)
      expect(errorCode(res)).toBe('UNAUTHENTICATED')
    }
  })

  it('expires after seven days', async () => {
    const start = t.clock.now
    const fresh = tokenOf(await signIn(t.adminKey))
    try {
      t.clock.now = start + SEVEN_DAYS_S * 1000 - 1000
      expect((await withCookie('GET', '/api/v1/viewer', fresh)).statusCode).toBe(200)
      t.clock.now = start + SEVEN_DAYS_S * 1000
      const expired = await withCookie('GET', '/api/v1/viewer', fresh)
      expect(expired.statusCode).toBe(401)
      expect(json<{ error: { message: string } }>(expired).error.message).toMatch(/expired/)
    } finally {
      t.clock.now = start
    }
  })

  it('ends when its API key is revoked, and never worked for a key that does not exist', async () => {
    const aliceKey = await t.addUser('alice')
    const alice = tokenOf(await signIn(aliceKey))
    expect(json(await withCookie('GET', '/api/v1/viewer', alice))).toMatchObject({ username: 'alice' })
    await t.store.database.run('DELETE FROM api_keys WHERE key_hash = ?', hashApiKey(aliceKey))
    const revoked = await withCookie('GET', '/api/v1/viewer', alice)
    expect(revoked.statusCode).toBe(401)
    expect(errorCode(revoked)).toBe('UNAUTHENTICATED')
    // Signed with this server's own secret, for a key hash no user has.
    const unknown = await new SessionTokens(t.store.auth, () => t.clock.now).issue(hashApiKey('never issued'))
    expect((await withCookie('GET', '/api/v1/viewer', unknown)).statusCode).toBe(401)
  })

  it('keeps users to their own entity, as their key does', async () => {
    const bobKey = await t.addUser('bob')
    const bob = tokenOf(await signIn(bobKey))
    expect((await withCookie('GET', RUN, bob)).statusCode).toBe(403)
    expect((await withCookie('GET', '/api/v1/projects/admin', bob)).statusCode).toBe(403)
  })
})

describe('signing out', () => {
  it('clears the cookie, with or without a live session', async () => {
    const token = tokenOf(await signIn(t.adminKey))
    for (const headers of [
      { cookie: `${SESSION_COOKIE}=${token}` },
      {},
      { cookie: `${SESSION_COOKIE}=garbage` },
    ]) {
      const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers })
      expect(res.statusCode).toBe(204)
      expect(res.body).toBe('')
      expect(res.headers['set-cookie']).toBe(
        `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
      )
    }
  })
})
