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

  "Integer seconds."
  scalar Duration
  "A 64-bit integer."
  scalar Int64
  "An ISO-8601 time."
  scalar DateTime

  type Query {
    viewer: User
    serverInfo: ServerInfo
    entity(name: String): Entity
    "A project (model is its legacy name, still sent by RunResumeStatus)."
    project(name: String, entityName: String): Project
    model(name: String, entityName: String): Project
  }

  type Mutation {
    upsertBucket(input: UpsertBucketInput!): UpsertBucketPayload
    rewindRun(input: RewindRunInput!): RewindRunPayload
    stopRun(input: StopRunInput!): SuccessPayload
    createRunFiles(input: CreateRunFilesInput!): CreateRunFilesPayload
    notifyScriptableRunAlert(input: NotifyScriptableRunAlertInput!): SuccessPayload
    deleteRun(input: DeleteRunInput!): DeleteRunPayload
  }

  input DeleteRunInput {
    id: ID!
    "Accepted; stemma's run deletion keeps no artifacts of its own to delete."
    deleteArtifacts: Boolean
    clientMutationId: String
  }

  type DeleteRunPayload {
    clientMutationId: String
  }

  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
  }

  type RunConnection {
    edges: [RunEdge!]!
    pageInfo: PageInfo!
  }

  type RunEdge {
    node: Run!
    cursor: String!
  }

  type FileConnection {
    edges: [FileEdge!]!
    pageInfo: PageInfo!
  }

  type FileEdge {
    node: File!
    cursor: String!
  }

  type File {
    id: ID!
    name: String!
    displayName: String
    "Downloads with the API key (Basic or Bearer)."
    url(upload: Boolean): String
    directUrl: String
    sizeBytes: Int64
    mimetype: String
    updatedAt: DateTime
    md5: String
    digest: String
  }

  type RunUser {
    name: String
    username: String
  }

  type ParquetHistory {
    "stemma exports no parquet: clients then read every page of history."
    parquetUrls: [String!]!
    liveData: [JSON!]!
  }

  type Project {
    id: ID!
    name: String!
    entityName: String!
    entity: Entity!
    readOnly: Boolean
    internalId: ID!
    "Runs matching W&B's MongoDB-style filters; order is [+|-]field (created_at, config.k.value, summary_metrics.k)."
    runs(filters: JSONString, after: String, first: Int, order: String): RunConnection
    runCount(filters: JSONString): Int
    "A run by its id (bucket is its legacy name); desc is accepted and ignored."
    run(name: String, desc: String): Run
    bucket(name: String, missingOk: Boolean, desc: String): Run
  }

  type Run {
    "Opaque storage id; clients send it back in later upserts."
    id: ID!
    "The run id."
    name: String!
    displayName: String
    description: String
    notes: String
    tags: [String!]
    state: String
    group: String
    jobType: String
    sweepName: String
    readOnly: Boolean
    stopped: Boolean
    createdAt: DateTime
    heartbeatAt: DateTime
    project: Project
    projectId: Int
    "The wrapped config, {key: {value: v}}."
    config: JSONString
    summaryMetrics: JSONString
    "Keys of the client's _wandb config block; t is present once the run has started."
    wandbConfig(keys: [String!]): JSONString
    historyLineCount: Int
    eventsLineCount: Int
    logLineCount: Int
    "A JSON array of strings: the last history row."
    historyTail: JSONString
    "A JSON array of strings: the last system sample."
    eventsTail: JSONString
    commit: String
    host: String
    user: RunUser
    "The latest system sample."
    systemMetrics: JSONString
    "{lastStep, keys: {key: {typeCounts, previousValue}}}"
    historyKeys: JSON
    "History rows as JSON lines: all of them from minStep (inclusive) to maxStep (exclusive) up to samples, or samples evenly spread."
    history(samples: Int, minStep: Int64, maxStep: Int64): [String]
    "System samples as JSON lines."
    events(samples: Int): [String]
    "One list of rows per spec {keys, samples, minStep, maxStep}; rows hold only the keys asked for."
    sampledHistory(specs: [JSONString!]!): [JSON]
    parquetHistory(liveKeys: [String!]): ParquetHistory
    fileCount: Int
    files(names: [String], after: String, first: Int, pattern: String): FileConnection
    "Console lines, oldest first: a page (first, after) or the tail (last); the newest 100,000 lines at most."
    logLines(first: Int, last: Int, after: String, useImprovedPagination: Boolean): LogLineConnection
  }

  type LogLineConnection {
    edges: [LogLineEdge!]!
    pageInfo: PageInfo!
  }

  type LogLineEdge {
    node: LogLine!
    cursor: String!
  }

  type LogLine {
    "Position in the console log, from 0."
    number: Int!
    timestamp: String
    "error for stderr, empty for stdout."
    level: String!
    label: String!
    line: String!
  }

  input UpsertBucketInput {
    id: String
    name: String
    groupName: String
    modelName: String
    entityName: String
    description: String
    displayName: String
    notes: String
    config: JSONString
    commit: String
    host: String
    debug: Boolean
    jobProgram: String
    jobRepo: String
    jobType: String
    state: String
    sweep: String
    tags: [String!]
    summaryMetrics: JSONString
    clientMutationId: String
  }

  type UpsertBucketPayload {
    bucket: Run
    inserted: Boolean
    serverSettings: ServerSettings
  }

  "Messages the server shows the client's user on each upsert (stemma sends none)."
  type ServerSettings {
    serverMessages: [ServerMessage!]!
  }

  type ServerMessage {
    utfText: String!
    plainText: String!
    htmlText: String!
    messageType: String!
    messageLevel: String!
  }

  # Types older clients look up by introspection before they use a feature (a type that is not
  # there crashes them). Artifacts and Launch are not served yet: each declares only its id, so
  # a client reading their fields finds none of the optional ones it would otherwise send.
  type Artifact {
    id: ID!
  }
  type LaunchAgent {
    id: ID!
  }
  input UseArtifactInput {
    artifactID: ID!
  }
  input CreateArtifactInput {
    artifactTypeName: String!
  }
  input CreateArtifactFileSpecInput {
    artifactID: ID!
  }
  input AddAliasesInput {
    artifactID: ID!
  }
  input DeleteFilesInput {
    files: [ID!]!
  }
  input CreateRunQueueInput {
    queueName: String!
  }
  input PushToRunQueueInput {
    queueID: ID!
  }
  input FailRunQueueItemInput {
    runQueueItemId: ID!
  }
  input CreateLaunchAgentInput {
    entityName: String!
  }

  input RewindRunInput {
    runName: String!
    entityName: String
    projectName: String
    metricName: String!
    metricValue: Float!
  }

  type RewindRunPayload {
    rewoundRun: Run
  }

  input StopRunInput {
    id: ID!
  }

  type SuccessPayload {
    success: Boolean
    clientMutationId: String
  }

  input CreateRunFilesInput {
    entityName: String!
    projectName: String!
    runName: String!
    files: [String!]!
  }

  type CreateRunFilesPayload {
    runID: ID!
    "Header:value strings every upload must carry (none)."
    uploadHeaders: [String!]!
    files: [RunFileUpload!]!
  }

  type RunFileUpload {
    name: String!
    "An absolute, signed URL to PUT the bytes to; null when the name is one stemma refuses."
    uploadUrl: String
  }

  enum AlertSeverity {
    INFO
    WARN
    ERROR
  }

  input NotifyScriptableRunAlertInput {
    entityName: String!
    projectName: String!
    runName: String!
    title: String!
    text: String!
    severity: AlertSeverity
    waitDuration: Duration
    clientMutationId: String
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
