import { lookup } from 'node:dns/promises'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { RunAlert } from '@stemma/core'
import { isPrivateAddress } from './private-address.js'

export interface WebhookSettings {
  /** Slack-compatible incoming-webhook URLs every alert is posted to. */
  urls: string[]
  /** Hosts (`name` or `name:port`) allowed although they resolve to a private or loopback address. */
  allow: string[]
  timeoutMs?: number
  /** Attempts per delivery, with doubling waits from `retryInitialMs`. */
  attempts?: number
  retryInitialMs?: number
}

export interface AlertSource {
  entity: string
  project: string
  runId: string
  runName: string
  url: string
}

type Outcome = 'delivered' | 'retry' | 'give-up'

/**
 * Posts run alerts to webhooks without ever holding up ingest: deliveries run in the background,
 * time out fast, follow no redirects, and retry with backoff. The target is resolved once and the
 * connection made to that checked address, so DNS cannot swap in a private one between the check
 * and the request.
 */
export class AlertWebhooks {
  private readonly timeoutMs: number
  private readonly attempts: number
  private readonly retryInitialMs: number
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    private readonly settings: WebhookSettings,
    private readonly log: (message: string) => void,
  ) {
    this.timeoutMs = settings.timeoutMs ?? 5_000
    this.attempts = settings.attempts ?? 5
    this.retryInitialMs = settings.retryInitialMs ?? 1_000
  }

  notify(source: AlertSource, alert: RunAlert): void {
    const body = JSON.stringify(slackPayload(source, alert))
    for (const url of this.settings.urls) void this.attempt(url, body, 1)
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private async attempt(url: string, body: string, n: number): Promise<void> {
    const outcome = await this.post(url, body).catch((err: Error): Outcome => {
      this.log(`alert webhook ${redact(url)}: ${err.message}`)
      return 'retry'
    })
    if (outcome !== 'retry' || n >= this.attempts) return
    const timer = setTimeout(
      () => {
        this.timers.delete(timer)
        void this.attempt(url, body, n + 1)
      },
      this.retryInitialMs * 2 ** (n - 1),
    )
    timer.unref()
    this.timers.add(timer)
  }

  private async post(raw: string, body: string): Promise<Outcome> {
    const url = new URL(raw)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.log(`alert webhook ${redact(raw)}: only http and https targets are allowed`)
      return 'give-up'
    }
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const { address, family } = await lookup(host)
    if (isPrivateAddress(address) && !this.allowed(url)) {
      this.log(
        `alert webhook ${redact(raw)}: refused, ${host} is a private, loopback or link-local address (allow it with --webhook-allow)`,
      )
      return 'give-up'
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const options: RequestOptions = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: this.timeoutMs,
      // Connect to the address that was checked, not to whatever a second lookup returns.
      lookup: (_h, _o, cb) => cb(null, address, family),
    }
    return new Promise((resolve, reject) => {
      const req = send(url, options, (res) => {
        res.resume()
        const status = res.statusCode ?? 0
        if (status >= 200 && status < 300) return resolve('delivered')
        this.log(`alert webhook ${redact(raw)}: answered ${status}`)
        // Redirects are not followed, and a refusal will not change on retry; 429 and 5xx may.
        resolve(status === 429 || status >= 500 ? 'retry' : 'give-up')
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  private allowed(url: URL): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
    return this.settings.allow.some((entry) => {
      const e = entry.toLowerCase()
      return e === host || e === `${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
    })
  }
}

/** Slack's incoming-webhook shape (`text`), with the alert's fields beside it for other receivers. */
function slackPayload(source: AlertSource, alert: RunAlert) {
  const path = `${source.entity}/${source.project}/${source.runId}`
  const head = `[${alert.level}] ${alert.title} (run ${source.runName}, ${path})`
  return {
    text: alert.text ? `${head}\n${alert.text}\n${source.url}` : `${head}\n${source.url}`,
    stemma: { ...source, title: alert.title, text: alert.text, level: alert.level, t: alert.t },
  }
}

/** Webhook URLs carry their secret in the path: logs show the origin only. */
function redact(raw: string): string {
  try {
    return new URL(raw).origin
  } catch {
    return 'invalid URL'
  }
}
