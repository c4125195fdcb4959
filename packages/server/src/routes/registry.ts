import type { FastifyInstance, RouteGenericInterface, RouteHandlerMethod } from 'fastify'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

export type JsonSchema = Record<string, unknown>

/**
 * One declaration per route: Fastify validates requests with the request schemas, and the
 * OpenAPI document is generated from the same objects, so the two cannot drift apart.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Full path in Fastify syntax: `/api/v1/runs/:entity/:project`. */
  url: string
  summary: string
  tag: string
  params?: JsonSchema
  querystring?: JsonSchema
  body?: JsonSchema
  /** A body of raw bytes (a file upload), streamed to the handler unparsed: documented only. */
  rawBody?: { contentType: string; description: string }
  /**
   * Answered without an API key: the load balancer's health probes (they tell nothing but ok / not
   * ok), signing in and out, signed upload URLs (the signature is the credential) and the W&B
   * client's telemetry probe (always 404).
   */
  public?: boolean
  /**
   * The longest string a JSON body may hold (default `MAX_STRING_LENGTH`). The W&B routes carry
   * whole JSON documents as strings (history lines, configs), which only the body limit bounds.
   */
  maxStringLength?: number
  /** Success responses, documented only: replies are serialized by one wire serializer, not per route. */
  responses: Record<number, { description: string; schema?: JsonSchema; contentType?: string }>
}

export type Handler<G extends RouteGenericInterface> = RouteHandlerMethod<
  Server,
  IncomingMessage,
  ServerResponse,
  G
>

export class RouteRegistry {
  readonly specs: RouteSpec[] = []
  private readonly matchers: { pattern: RegExp; method: string }[] = []

  add<G extends RouteGenericInterface>(app: FastifyInstance, spec: RouteSpec, handler: Handler<G>): void {
    this.specs.push(spec)
    // `:param` matches one path segment, as in Fastify's router.
    const source = spec.url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : escapeRegExp(part)))
    this.matchers.push({ pattern: new RegExp(`^${source.join('/')}$`), method: spec.method })
    app.route<G>({
      method: spec.method,
      url: spec.url,
      schema: {
        ...(spec.params && { params: spec.params }),
        ...(spec.querystring && { querystring: spec.querystring }),
        ...(spec.body && { body: spec.body }),
      },
      config: {
        public: spec.public === true,
        ...(spec.maxStringLength !== undefined && { maxStringLength: spec.maxStringLength }),
      },
      handler,
    })
  }

  /** The methods some route answers at `path` (a URL path without its query), HEAD with GET. */
  methodsAt(path: string): string[] {
    const methods = new Set<string>()
    for (const m of this.matchers) {
      if (!m.pattern.test(path)) continue
      methods.add(m.method)
      if (m.method === 'GET') methods.add('HEAD')
    }
    return [...methods]
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
