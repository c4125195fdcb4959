import { resolve } from 'node:path'
import { DEFAULT_WEB_ROOT } from './web-root.js'

/**
 * Server settings from flags and environment. Reading never throws: blank means unset, and a
 * bad value warns and falls back, so a typo in the environment can't keep the server down.
 */
export interface ServerSettings {
  port: number
  /** Loopback by default: exposing the server is a decision, not an accident. */
  host: string
  dataDir: string
  /** Sets the admin key non-interactively, for scripts and containers. */
  adminApiKey: string | undefined
  /** Base of the URLs printed to users; defaults to the listen address. */
  publicUrl: string | undefined
  /** PostgreSQL instead of the embedded SQLite file: `postgres://user@host/db`. A secret: never printed. */
  databaseUrl: string | undefined
  /** Where run files go: `s3://bucket/prefix` or `file:///dir`; default `<dataDir>/blobs`. */
  blobUrl: string | undefined
  /** An S3-compatible endpoint (MinIO, Ceph, …), addressed path-style. */
  s3Endpoint: string | undefined
  /** The built web app to serve; the server runs API-only when it has no index.html. */
  webRoot: string
  /** Slack-compatible webhooks every run alert is posted to. Secrets (the path is the key): never printed. */
  alertWebhooks: string[]
  /** Webhook hosts (`name` or `name:port`) allowed although they resolve to private addresses. */
  webhookAllow: string[]
  /** Seconds of silence after which a run logged by a W&B client reads as crashed; default 300. */
  wandbHeartbeatTimeoutS: number | undefined
}

export interface ServerFlags {
  port?: number
  host?: string
  dataDir?: string
  databaseUrl?: string
  blobUrl?: string
  s3Endpoint?: string
  webRoot?: string
  alertWebhook?: string
  webhookAllow?: string
}

type Env = Record<string, string | undefined>

function envString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === '' ? undefined : value
}

function envPort(env: Env, warn: (message: string) => void): number | undefined {
  const raw = envString(env, 'STEMMA_PORT')
  if (raw === undefined) return undefined
  const port = Number(raw)
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port
  warn(`STEMMA_PORT=${raw} is not a port number; using 8080.`)
  return undefined
}

export function readServerSettings(
  flags: ServerFlags,
  env: Env,
  warn: (message: string) => void,
): ServerSettings {
  return {
    port: flags.port ?? envPort(env, warn) ?? 8080,
    host: flags.host ?? envString(env, 'STEMMA_HOST') ?? '127.0.0.1',
    dataDir: resolve(flags.dataDir ?? envString(env, 'STEMMA_DATA_DIR') ?? '.stemma'),
    adminApiKey: envString(env, 'STEMMA_ADMIN_API_KEY'),
    publicUrl: envString(env, 'STEMMA_PUBLIC_URL')?.replace(/\/+$/, ''),
    databaseUrl: flags.databaseUrl ?? envString(env, 'STEMMA_DATABASE_URL'),
    blobUrl: flags.blobUrl ?? envString(env, 'STEMMA_BLOB_URL'),
    s3Endpoint: flags.s3Endpoint ?? envString(env, 'STEMMA_S3_ENDPOINT'),
    webRoot: resolve(flags.webRoot ?? envString(env, 'STEMMA_WEB_ROOT') ?? DEFAULT_WEB_ROOT),
    alertWebhooks: commaList(flags.alertWebhook ?? envString(env, 'STEMMA_ALERT_WEBHOOK')),
    webhookAllow: commaList(flags.webhookAllow ?? envString(env, 'STEMMA_WEBHOOK_ALLOW')),
    wandbHeartbeatTimeoutS: envSeconds(env, 'STEMMA_WANDB_HEARTBEAT_TIMEOUT_S', warn),
  }
}

function envSeconds(env: Env, name: string, warn: (message: string) => void): number | undefined {
  const raw = envString(env, name)
  if (raw === undefined) return undefined
  const seconds = Number(raw)
  if (Number.isInteger(seconds) && seconds > 0 && seconds <= 86_400) return seconds
  warn(`${name}=${raw} is not a number of seconds between 1 and 86400; using the default.`)
  return undefined
}

function commaList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}
