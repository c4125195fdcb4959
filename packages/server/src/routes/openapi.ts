import type { FastifyInstance } from 'fastify'
import { API_PREFIX } from '@stemma/core'
import { COMPONENTS, ref } from './openapi-schemas.js'
import type { JsonSchema, RouteRegistry, RouteSpec } from './registry.js'

/**
 * Serves the OpenAPI 3.1 document built from the registry. The document route registers itself
 * first, so it describes itself too; the document is built once, on first request, after every
 * route is in the registry.
 */
export function openApiRoute(app: FastifyInstance, routes: RouteRegistry): void {
  let document: JsonSchema | undefined
  routes.add(
    app,
    {
      method: 'GET',
      url: `${API_PREFIX}/openapi.json`,
      tag: 'meta',
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1', schema: ref('OpenApiDocument') } },
    },
    async () => (document ??= buildOpenApi(routes.specs)),
  )
}

export function buildOpenApi(specs: readonly RouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const spec of specs) {
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    paths[path] ??= {}
    paths[path][spec.method.toLowerCase()] = operation(spec)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'stemma REST API',
      version: '1',
      description: 'Native REST v1. Every route needs an API key (Bearer, or Basic with user "api").',
    },
    paths,
    components: {
      schemas: COMPONENTS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'User "api", password = API key (as W&B clients send it).',
        },
      },
    },
    security: [{ bearer: [] }, { basic: [] }],
  }
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {}
  for (const [status, { description, schema, contentType }] of Object.entries(spec.responses)) {
    responses[status] = schema
      ? { description, content: { [contentType ?? 'application/json']: { schema } } }
      : { description }
  }
  responses.default = {
    description: 'Any error: a stable code (see core ERROR_STATUS), a message and details',
    content: { 'application/json': { schema: ref('ErrorBody') } },
  }
  return {
    operationId: `${spec.method.toLowerCase()}${spec.url.replace(API_PREFIX, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: spec.summary,
    tags: [spec.tag],
    parameters: [...parameters(spec.params, 'path'), ...parameters(spec.querystring, 'query')],
    ...(spec.body && {
      requestBody: { required: true, content: { 'application/json': { schema: spec.body } } },
    }),
    ...(spec.rawBody && {
      requestBody: {
        // No body is an empty file.
        required: false,
        description: spec.rawBody.description,
        content: { [spec.rawBody.contentType]: { schema: { type: 'string', format: 'binary' } } },
      },
    }),
    responses,
    // Health probes take no key; everything else needs one.
    ...(spec.public && { security: [] }),
  }
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return []
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((schema.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description !== undefined && { description }),
      schema: rest,
    }
  })
}
