import type { FastifyInstance } from 'fastify'
import type { ServerResponse } from 'node:http'
import { API_PREFIX, type RunEvent } from '@stemma/core'
import { viewerOf } from '../auth/guard.js'
import { runEvent } from '../events/run-event.js'
import type { ServiceContext } from '../services/context.js'
import { loadRun, parseRunTarget, type RunParams } from '../services/targets.js'
import type { RouteRegistry } from './registry.js'
import { runParams } from './schemas.js'

/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000

function write(res: ServerResponse, event: RunEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
}

/**
 * The live-update stream of one run (Server-Sent Events): its state on connect, then `data`,
 * `state` and `stop` events as they happen on any server process. Behind the same guard as every
 * route; open streams end when the server closes.
 */
export function eventRoutes(app: FastifyInstance, ctx: ServiceContext, routes: RouteRegistry): void {
  const open = new Set<ServerResponse>()
  app.addHook('preClose', async () => {
    for (const res of open) res.end()
  })
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
      const res = reply.raw
      // Subscribe before reading the run, so nothing published after that read is missed.
      const pending: RunEvent[] = []
      let started = false
      const unsubscribe = await ctx.events.subscribe(target.ref, (event) =>
        started ? write(res, event) : pending.push(event),
      )
      let run: Awaited<ReturnType<typeof loadRun>>
      try {
        run = await loadRun(ctx, viewerOf(request), target)
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
      write(res, runEvent('state', run, ctx.now()))
      for (const event of pending) write(res, event)
      started = true
      open.add(res)
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
      res.on('close', () => {
        clearInterval(keepalive)
        unsubscribe()
        open.delete(res)
      })
    },
  )
}
