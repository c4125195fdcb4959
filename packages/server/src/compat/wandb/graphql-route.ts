import type { FastifyInstance } from 'fastify'
import { execute, parse, specifiedRules, validate, type DocumentNode, type GraphQLError } from 'graphql'
import { viewerOf } from '../../auth/guard.js'
import { BODY_LIMIT_BYTES } from '../../body/limits.js'
import type { RouteRegistry } from '../../routes/registry.js'
import { boundedSelections, operationCountProblem } from './limits.js'
import { rootValue, type GraphqlContext, type ResolverOptions } from './resolvers.js'
import type { UploadUrls } from './run-files.js'
import type { ServiceContext } from '../../services/context.js'
import { wandbSchema } from './schema.js'

interface GraphqlBody {
  query: string
  variables?: Record<string, unknown> | null
  operationName?: string | null
}

const MAX_QUERY_CHARS = 100_000

const errorsOf = (errors: readonly GraphQLError[] | readonly { message: string }[]) => ({
  errors: errors.map((e) => ({ message: e.message })),
})

/**
 * `POST /graphql`, as the W&B clients send it: behind the same key check, body limits and error
 * shape as REST. Answers follow GraphQL over HTTP: 200 with `data` and `errors`, the messages
 * being what the clients show their users.
 */
export function graphqlRoute(
  app: FastifyInstance,
  ctx: ServiceContext,
  uploads: UploadUrls,
  options: ResolverOptions,
  routes: RouteRegistry,
): void {
  const schema = wandbSchema()
  const rules = [...specifiedRules, boundedSelections]
  routes.add<{ Body: GraphqlBody }>(
    app,
    {
      method: 'POST',
      url: '/graphql',
      tag: 'wandb',
      // Whole JSON documents travel as strings here; the body limit bounds them.
      maxStringLength: BODY_LIMIT_BYTES,
      summary: 'W&B-compatible GraphQL (the subset the official clients use; introspection on)',
      body: {
        type: 'object',
        required: ['query'],
        properties: {
          query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS },
          variables: { type: ['object', 'null'] },
          operationName: { type: ['string', 'null'], maxLength: 256 },
          extensions: { type: ['object', 'null'] },
        },
        additionalProperties: false,
      },
      responses: { 200: { description: 'A GraphQL result: data and/or errors', schema: { type: 'object' } } },
    },
    async (request) => {
      const { query, variables, operationName } = request.body
      const context = (r: typeof request): GraphqlContext => {
        const viewer = viewerOf(r)
        const userAgent = r.headers['user-agent'] ?? ''
        return { viewer, userAgent, ctx, uploadUrl: (ref, name) => uploads.url(viewer, ref, name) }
      }
      let document: DocumentNode
      try {
        document = parse(query, { maxTokens: 50_000 })
      } catch (err) {
        return errorsOf([err as GraphQLError])
      }
      const tooMany = operationCountProblem(document)
      if (tooMany !== undefined) return errorsOf([{ message: tooMany }])
      const invalid = validate(schema, document, rules)
      if (invalid.length > 0) return errorsOf(invalid)
      const result = await execute({
        schema,
        document,
        rootValue: rootValue(context(request), options),
        variableValues: variables ?? undefined,
        // Some clients name an anonymous operation "".
        operationName: operationName || undefined,
      })
      return {
        ...(result.data !== undefined && { data: result.data }),
        ...(result.errors !== undefined && errorsOf(result.errors)),
      }
    },
  )
}
