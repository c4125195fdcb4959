import type { FastifyServerOptions } from 'fastify'
import type { WebhookSettings } from './alerts/webhooks.js'
import type { BlobStore, Store } from '@stemma/store'

/** Everything the server needs from its host. The composition root (the CLI) builds these. */
export interface ServerDeps {
  store: Store
  /** Where run files go; `/readyz` checks it. */
  blobs?: BlobStore
  /** Unix ms; injected so tests can age heartbeats without waiting. */
  now?: () => number
  /** A float in [0, 1); used for generated run ids. */
  random?: () => number
  /**
   * Base URL users reach the web app at, for run links: `http://127.0.0.1:8080`. A function is
   * read per request, for hosts that learn their address only after `listen()` (port 0).
   */
  publicUrl: string | (() => string)
  /**
   * Fastify's logger: off when absent. The CLI logs errors to stderr, so an unhandled error (a
   * 500, which tells the client nothing) leaves its stack where the operator looks.
   */
  logger?: FastifyServerOptions['logger']
  /** Where run alerts are posted (Slack-compatible webhooks); none when absent. */
  alertWebhooks?: WebhookSettings
  /**
   * The built web app (`packages/web/dist`), read into memory once at start. Without it the
   * server is API-only and `/` says how to build the app.
   */
  webRoot?: string
  /**
   * Seconds without a request after which a run logged by a W&B client reads as crashed. Their
   * heartbeat comes every 30 s, and none while a request is being retried; default 300.
   */
  wandbHeartbeatTimeoutS?: number
}
