import { randomInt } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { MAX_FILE_NAME_LENGTH, toWireJson } from '@stemma/core'
import { AlertWebhooks } from './alerts/webhooks.js'
import { installAuthGuard } from './auth/guard.js'
import { SessionTokens } from './auth/session.js'
import { installGzip } from './body/gzip.js'
import { installJsonParser } from './body/json.js'
import { BODY_LIMIT_BYTES } from './body/limits.js'
import type { ServerDeps } from './deps.js'
import { installErrorHandler } from './errors.js'
import { detailRoutes } from './routes/details.js'
import { RunEvents } from './events/run-events.js'
import { fileStreamRoute } from './compat/wandb/file-stream-route.js'
import { graphqlRoute } from './compat/wandb/graphql-route.js'
import { UploadUrls, uploadRoute } from './compat/wandb/run-files.js'
import { telemetryRoute } from './compat/wandb/telemetry-route.js'
import { rawBodies } from './body/raw.js'
import { eventRoutes } from './routes/events.js'
import { fileRoutes } from './routes/files.js'
import { healthRoutes } from './routes/health.js'
import { historyRoutes } from './routes/history.js'
import { ingestRoutes } from './routes/ingest.js'
import { openApiRoute } from './routes/openapi.js'
import { projectRoutes } from './routes/projects.js'
import { RouteRegistry } from './routes/registry.js'
import { runRoutes } from './routes/runs.js'
import { sessionRoutes } from './routes/session.js'
import type { ServiceContext } from './services/context.js'
import { installSameOriginCors } from './web/same-origin-cors.js'
import { installSecurityHeaders } from './web/security-headers.js'
import { loadWebFiles } from './web/web-files.js'
import { webRoutes } from './web/web-routes.js'

const WANDB_HEARTBEAT_TIMEOUT_S = 300

/** Request line plus headers; Node's default is 16 KiB. */
const MAX_HEADER_BYTES = 64 * 1024

// Run ids are guessable only if the generator is; the CSPRNG default keeps them unpredictable.
const cryptoRandom = (): number => randomInt(0, 2 ** 32) / 2 ** 32

/**
 * Builds the app without listening or reading the environment: the CLI is the composition root.
 * Order matters in one place: the security headers, then the auth guard, before any route.
 */
export function createServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    // Room for the longest query the OpenAPI document allows (see QUERY_TEXT_MAX), percent-encoded.
    // (Through `http`, so Fastify still sets its keep-alive and request timeouts on the server.)
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    logger: deps.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Run file names may be 1,024 characters, up to 12 bytes each once percent-encoded (run ids
    // 128); Fastify's default cap is 100, and a longer parameter gets a bare 414.
    routerOptions: { maxParamLength: 12 * MAX_FILE_NAME_LENGTH },
    ajv: {
      // Bodies are taken as sent: no type coercion, no silently dropped properties.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  })
  const { publicUrl } = deps
  const ctx: ServiceContext = {
    store: deps.store,
    ...(deps.blobs && { blobs: deps.blobs }),
    now: deps.now ?? Date.now,
    random: deps.random ?? cryptoRandom,
    publicUrl: typeof publicUrl === 'function' ? publicUrl : () => publicUrl,
    events: new RunEvents(deps.store.database),
    ...(deps.alertWebhooks && {
      alerts: new AlertWebhooks(deps.alertWebhooks, (m) => process.stderr.write(`stemma: ${m}\n`)),
    }),
  }
  app.addHook('onClose', async () => {
    ctx.events.close()
    ctx.alerts?.close()
  })
  // Read now, so a broken build fails the start rather than the first page view.
  const web = deps.webRoot === undefined ? null : loadWebFiles(deps.webRoot)
  const sessions = new SessionTokens(deps.store.auth, ctx.now)

  // One registry for every route: it feeds validation, the OpenAPI document and the 405 answers.
  const routes = new RouteRegistry()
  installErrorHandler(app, (path) => routes.methodsAt(path))
  installSecurityHeaders(app)
  installSameOriginCors(app, ctx.publicUrl)
  installAuthGuard(app, deps.store.auth, sessions)
  installGzip(app)
  installJsonParser(app)
  // JSON has no NaN/±Infinity; summaries and configs can hold them, so every reply uses the wire form.
  app.setReplySerializer((payload) => toWireJson(payload))

  // Routes live in a plugin, so they are added at `ready()`: after the guard, and after any
  // `onRoute` hook a caller (a test enumerating routes) adds right after createServer().
  app.register(async (api) => {
    openApiRoute(api, routes)
    healthRoutes(api, deps.store, deps.blobs, routes)
    runRoutes(api, ctx, routes)
    ingestRoutes(api, ctx, routes)
    historyRoutes(api, ctx, routes)
    detailRoutes(api, ctx, routes)
    projectRoutes(api, ctx, routes)
    eventRoutes(api, ctx, routes)
    // In a scope of their own: uploads take raw bytes where every other route parses JSON.
    api.register(async (scope) => {
      rawBodies(scope)
      fileRoutes(scope, ctx, routes)
    })
    sessionRoutes(api, ctx, sessions, routes)
    const uploads = new UploadUrls(ctx)
    const wandbOptions = { heartbeatTimeoutS: deps.wandbHeartbeatTimeoutS ?? WANDB_HEARTBEAT_TIMEOUT_S }
    graphqlRoute(api, ctx, uploads, wandbOptions, routes)
    fileStreamRoute(api, ctx, routes)
    api.register(async (scope) => {
      rawBodies(scope)
      uploadRoute(scope, ctx, uploads, routes)
      telemetryRoute(scope, routes)
    })
    webRoutes(api, web, (path) => routes.methodsAt(path).length > 0)
  })
  return app
}
