import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StemmaError } from '@stemma/core'
import { randomBytes } from 'node:crypto'
import { openBlobStore, openPostgresStore, openSqliteStore, type BlobStore, type Store } from '@stemma/store'
import { createServer, ensureAdmin, errorLog, hashApiKey } from '@stemma/server'
import { readServerSettings, type ServerFlags, type ServerSettings } from '../settings.js'
import { isBuiltWebApp, signInLink } from '../web-root.js'
import { knownAdminKey } from './admin-key.js'

export const ADMIN_KEY_FILE = 'admin-api-key'

async function listen(
  app: ReturnType<typeof createServer>,
  settings: ServerSettings,
  store: Store,
): Promise<string> {
  try {
    return await app.listen({ port: settings.port, host: settings.host })
  } catch (err) {
    await store.close()
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw new StemmaError(
        'UNAVAILABLE',
        `Port ${settings.port} on ${settings.host} is already in use (another stemma server?); pick another with --port or STEMMA_PORT.`,
      )
    }
    throw err
  }
}

/** PostgreSQL when a database URL is set, else the embedded SQLite file in the data directory. */
async function openStore(settings: ServerSettings): Promise<Store> {
  if (settings.databaseUrl === undefined)
    return openSqliteStore({ path: join(settings.dataDir, 'stemma.db') })
  if (!/^postgres(ql)?:\/\//.test(settings.databaseUrl)) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      'The database URL must start with postgres:// or postgresql://.',
    )
  }
  return openPostgresStore({ url: settings.databaseUrl })
}

/**
 * The blob store, checked before the server takes traffic. Its URL-signing key lives in the
 * database, so every replica signs and verifies alike.
 */
async function openBlobs(
  settings: ServerSettings,
  store: Store,
  publicUrl: () => string,
): Promise<BlobStore> {
  const signingSecret = await store.auth.serverSecret('blob-url-signing', randomBytes(32).toString('hex'))
  const blobs = openBlobStore(settings.blobUrl, {
    dataDir: settings.dataDir,
    signingSecret,
    urlBase: () => `${publicUrl()}/api/v1/blobs`,
    s3Endpoint: settings.s3Endpoint,
  })
  await blobs.check()
  return blobs
}

/** The composition root: settings → store → server → listening socket. */
export async function serverCommand(
  flags: ServerFlags,
  out: (line: string) => void,
): Promise<() => Promise<void>> {
  const settings = readServerSettings(flags, process.env, (m) => out(`warning: ${m}`))
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 })
  const store = await openStore(settings)
  const admin = await ensureAdmin(store, { apiKey: settings.adminApiKey, now: Date.now() })
  const keyFile = join(settings.dataDir, ADMIN_KEY_FILE)
  // The variable only seeds a new data directory; say so rather than let its key fail with 401s.
  if (!admin.created && settings.adminApiKey !== undefined) {
    if ((await store.auth.findKeyOwner(hashApiKey(settings.adminApiKey))) === null) {
      out('warning: STEMMA_ADMIN_API_KEY is ignored: this data directory already has its admin key.')
    }
  }
  if (admin.apiKey !== undefined) {
    writeFileSync(keyFile, `${admin.apiKey}\n`, { mode: 0o600 })
    chmodSync(keyFile, 0o600)
  }

  // With port 0 the address is known only after listen(), so links are built per request.
  let publicUrl = settings.publicUrl ?? ''
  let blobs: BlobStore
  try {
    blobs = await openBlobs(settings, store, () => publicUrl)
  } catch (err) {
    await store.close()
    throw err
  }
  // Without a build the API still serves; the line below says how to get the app.
  const webRoot = isBuiltWebApp(settings.webRoot) ? settings.webRoot : undefined
  let app: ReturnType<typeof createServer>
  try {
    app = createServer({
      store,
      blobs,
      publicUrl: () => publicUrl,
      logger: errorLog(process.stderr),
      webRoot,
      ...(settings.wandbHeartbeatTimeoutS !== undefined && {
        wandbHeartbeatTimeoutS: settings.wandbHeartbeatTimeoutS,
      }),
      ...(settings.alertWebhooks.length > 0 && {
        alertWebhooks: { urls: settings.alertWebhooks, allow: settings.webhookAllow },
      }),
    })
  } catch (err) {
    await store.close()
    throw err
  }
  const address = await listen(app, settings, store)
  publicUrl ||= address

  out(`stemma server listening on ${address}`)
  out(
    settings.databaseUrl === undefined
      ? `data directory: ${settings.dataDir} (SQLite)`
      : `database: PostgreSQL (data directory ${settings.dataDir})`,
  )
  if (admin.apiKey !== undefined) out(`admin API key: ${admin.apiKey}`)
  out(`the admin API key is in ${keyFile} (mode 0600)`)
  if (webRoot === undefined) {
    out(`web app: not built (no index.html in ${settings.webRoot}); run \`npm run build\` to serve it`)
  } else {
    const key = await knownAdminKey(store, admin.apiKey, { fromEnv: settings.adminApiKey, keyFile })
    out(key === undefined ? `web app: ${publicUrl}` : `sign in to the web app: ${signInLink(publicUrl, key)}`)
  }
  out('')
  out('Log a run from TypeScript:')
  out(`  export STEMMA_BASE_URL=${publicUrl} STEMMA_API_KEY=$(cat ${keyFile})`)
  out(`  import * as stemma from '@stemma/sdk'`)
  out(`  const run = await stemma.init({ project: 'awesome-project' })`)
  out(`  run.log({ loss: 0.5 }); await run.finish()`)

  /** How long a stopping server waits for requests in flight before it closes their connections. */
  const SHUTDOWN_GRACE_MS = 10_000

  let closing: Promise<void> | undefined
  return () =>
    (closing ??= (async () => {
      // Requests in flight get a grace period; one held open longer (a stalled upload) is cut
      // off rather than keeping the process up, and its client retries.
      const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS)
      force.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(force)
      }
      await store.close()
    })())
}
