import type { ApiKeyOwner } from '@stemma/store'

/** What one GraphQL request resolves against: the caller, as the guard identified them. */
export interface GraphqlContext {
  viewer: ApiKeyOwner
}

/** W&B ids are opaque base64 of `Type:key`; clients only echo them back. */
export function opaqueId(type: string, key: string | number): string {
  return Buffer.from(`${type}:${key}`).toString('base64')
}

/**
 * The clients compare `max_cli_version` with their own version to decide what the server can
 * take; a version above every release keeps their current encodings on.
 */
const CLI_VERSION_INFO = { max_cli_version: '0.99.0', min_cli_version: '0.10.0' }

/** Root values for `graphql-js` (default field resolvers read the returned objects' fields). */
export function rootValue(context: GraphqlContext) {
  const { viewer } = context
  return {
    viewer: () => ({
      id: opaqueId('User', viewer.userId),
      entity: viewer.username,
      username: viewer.username,
      email: null,
      // Some client versions parse this without a fallback: it must be a JSON string, never null.
      flags: '{}',
      teams: { edges: [] },
    }),
    serverInfo: () => ({
      cliVersionInfo: CLI_VERSION_INFO,
      latestLocalVersionInfo: null,
      // No optional feature is advertised until its code path is implemented.
      features: [],
    }),
    entity: ({ name }: { name?: string | null }) =>
      name === undefined || name === null || name === ''
        ? null
        : { id: opaqueId('Entity', name), name, organization: null },
  }
}
