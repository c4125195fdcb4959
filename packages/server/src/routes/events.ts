import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import { API_PREFIX, type RunEvent } from '@stemma/core'
import { assertEntityAccess } from '../auth/access.js'
import { viewerOf } from '../auth/guard.js'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from '../services/context.js'
import { loadRun, parseProject, parseRunTarget, type RunParams } from '../services/targets.js'
import type { RouteRegistry } from './registry.js'
import { projectParams, runParams } from './schemas.js'

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000

function write(res: ServerResponse, event: RunEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
}

type Subscribe = (handler: (event: RunEvent) => void) => Promise<() => void>

/**
 * Live-update streams (Server-Sent Events) of one run, or of every run of a project (a workspace
 * page, which would otherwise need a stream per run and run out of the browser's six connections).
 * Events come from any server process. Behind the same guard as every route; open streams end
 * when the server closes.
 */
export function eventRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  const open = new Set<ServerResponse>()
  app.addHook('preClose', async () => {
    for (const res of open) res.end()
  })

  /** Subscribes before `first` reads the store, so nothing published after that read is missed. */
  async function stream(reply: FastifyReply, subscribe: Subscribe, first: () => Promise<RunEvent[]>) {
    const res = reply.raw
    const pending: RunEvent[] = []
    let started = false
    const unsubscribe = await subscribe((event) => (started ? write(res, event) : pending.push(event)))
    let initial: RunEvent[]
    try {
      initial = await first()
    } catch (err) {
      unsubscribe()
      throw err
    }
    reply.hijack()
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    })
    // A comment first, so a client sees the stream open even when there is no event to send yet.
    res.write(': stream open\n\n')
    for (const event of [...initial, ...pending]) write(res, event)
    started = true
    open.add(res)
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
    res.on('close', () => {
      clearInterval(keepalive)
      unsubscribe()
      open.delete(res)
    })
  }

  routes.add<{ Params: RunParams }>(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/runs/:entity/:project/:runId/events`,
      tag: 'runs',
      summary: 'Live events of a run (text/event-stream): state on connect, then data, state and stop',
      params: runParams,
      responses: {
        200: { description: 'A text/event-stream of RunEvent objects; the SSE event name is their type' },
      },
    },
    async (request, reply) => {
      const target = parseRunTarget(request.params)
      await stream(
        reply,
        (handler) => ctx.events.subscribe(target.ref, handler),
        async () => [runEvent('state', await loadRun(ctx, viewerOf(request), target), ctx.now())],
      )
    },
  )

  routes.add<{ Params: { entity: string; project: string } }>(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/projects/:entity/:project/events`,
      tag: 'projects',
      summary: 'Live events of every run of a project (text/event-stream): data, state and stop',
      params: projectParams,
      responses: {
        200: { description: 'A text/event-stream of RunEvent objects; the SSE event name is their type' },
      },
    },
    async (request, reply) => {
      const project = parseProject(request.params)
      assertEntityAccess(viewerOf(request), project.entity)
      await stream(
        reply,
        (handler) => ctx.events.subscribeProject(project, handler),
        async () => [],
      )
    },
  )
}
