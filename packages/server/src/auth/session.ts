import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { AuthRepository } from '@stemma/store'

export const SESSION_TTL_S = 7 * 24 * 60 * 60

const BASE64URL = /^[A-Za-z0-9_-]+$/
const KEY_HASH = /^[0-9a-f]{64}$/

interface SessionPayload {
  /** The API key's hash, as the store looks owners up by it. */
  h: string
  /** Issued at and expires at, unix seconds. */
  iat: number
  exp: number
}

/**
 * Browser sessions without a session table: the cookie is `base64url(payload).base64url(hmac)`,
 * signed with a secret every replica reads from the database, so any replica can check any
 * session. The payload names the API key (by hash), not the user, so revoking the key ends its
 * sessions on the next request.
 */
export class SessionTokens {
  private secret: Promise<Buffer> | undefined

  constructor(
    private readonly auth: AuthRepository,
    private readonly now: () => number,
  ) {}

  async issue(keyHash: string): Promise<string> {
    const iat = Math.floor(this.now() / 1000)
    const payload: SessionPayload = { h: keyHash, iat, exp: iat + SESSION_TTL_S }
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
    return `${body}.${(await this.mac(`session:${body}`)).toString('base64url')}`
  }

  /** The key hash a valid, unexpired token carries; null for anything else. */
  async verify(token: string): Promise<{ keyHash: string } | null> {
    const [body, signature, ...rest] = token.split('.')
    if (body === undefined || signature === undefined || rest.length > 0) return null
    if (!BASE64URL.test(body) || !BASE64URL.test(signature)) return null
    if (!sameBytes(Buffer.from(signature, 'base64url'), await this.mac(`session:${body}`))) return null
    let payload: Partial<SessionPayload>
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SessionPayload>
    } catch {
      return null
    }
    if (typeof payload.h !== 'string' || !KEY_HASH.test(payload.h)) return null
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= this.now()) return null
    return { keyHash: payload.h }
  }

  /**
   * Derived from the token, so it needs no storage either. A page on another site cannot read
   * it (the API answers no CORS), so a request that carries it came from the web app itself.
   */
  async csrfToken(token: string): Promise<string> {
    return (await this.mac(`csrf:${token}`)).toString('base64url')
  }

  async isCsrfToken(token: string, given: string | undefined): Promise<boolean> {
    if (given === undefined) return false
    return sameBytes(Buffer.from(given, 'utf8'), Buffer.from(await this.csrfToken(token), 'utf8'))
  }

  private async mac(text: string): Promise<Buffer> {
    return createHmac('sha256', await this.key())
      .update(text, 'utf8')
      .digest()
  }

  /** Read once, on the first session request; the first replica to ask chooses it. */
  private key(): Promise<Buffer> {
    if (this.secret === undefined) {
      const loading = this.auth
        .serverSecret('session-signing', randomBytes(32).toString('hex'))
        .then((value) => Buffer.from(value, 'utf8'))
      // A database that did not answer this time must not leave the failure cached.
      loading.catch(() => {
        if (this.secret === loading) this.secret = undefined
      })
      this.secret = loading
    }
    return this.secret
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
