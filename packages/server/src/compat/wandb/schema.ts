import { buildSchema, type GraphQLSchema } from 'graphql'

/**
 * The subset of W&B's GraphQL schema the official clients use, written from what they send.
 * It grows with the adapter; introspection answers from it, and older clients decide what to query
 * by what it says, so only what is implemented is declared.
 */
const SDL = /* GraphQL */ `
  "Any JSON value."
  scalar JSON
  "A string holding JSON."
  scalar JSONString

  type Query {
    viewer: User
    serverInfo: ServerInfo
    entity(name: String): Entity
  }

  type User {
    id: ID!
    entity: String
    username: String
    email: String
    flags: JSONString
    teams: EntityConnection
  }

  type Entity {
    id: ID!
    name: String!
    organization: Organization
  }

  type Organization {
    id: ID!
    name: String!
    coreWeaveOrganizationId: String
  }

  type EntityConnection {
    edges: [EntityEdge!]!
  }

  type EntityEdge {
    node: Entity
  }

  type ServerInfo {
    cliVersionInfo: JSON
    latestLocalVersionInfo: LocalVersionInfo
    features: [ServerFeature!]!
  }

  type LocalVersionInfo {
    outOfDate: Boolean!
    latestVersionString: String!
    versionOnThisInstanceString: String!
  }

  type ServerFeature {
    name: String!
    isEnabled: Boolean!
  }
`

export function wandbSchema(): GraphQLSchema {
  return buildSchema(SDL)
}
