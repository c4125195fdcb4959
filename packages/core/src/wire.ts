/**
 * The native REST v1 contract shared by the server, the SDK and the web app. All bodies are
 * JSON; numeric history columns carry NaN/±Infinity as the strings of `WireNumber`.
 */
import type { MetricDefinition } from './metrics.js'
import type { RunState, TerminalState } from './states.js'
import type { M4Buckets } from './m4.js'
import type { WireNumber } from './values.js'

export const API_PREFIX = '/api/v1'

/** `POST /api/v1/runs`: create, resume, fork or rewind a run. */
export interface InitRequest {
  entity?: string
  project: string
  /** Client-chosen id; required for resume. */
  id?: string
  name?: string
  notes?: string
  tags?: string[]
  group?: string
  jobType?: string
  config?: Record<string, unknown>
  metadata?: Record<string, unknown>
  /** `allow`: create or continue; `must`: continue or fail; `never`: create or fail. Absent: create, fail if it exists. */
  resume?: 'allow' | 'must' | 'never'
  forkFrom?: string
  resumeFrom?: string
  /** Seconds without a heartbeat after which the run reads as crashed. */
  heartbeatTimeoutS?: number
}

export interface InitResponse {
  run: RunDto
  /** The step the first `log()` lands at. */
  startingStep: number
  resumed: boolean
}

export interface ForkedFrom {
  runId: string
  step: number
}

export interface RunDto {
  entity: string
  project: string
  id: string
  name: string
  notes: string
  tags: string[]
  group: string | null
  jobType: string | null
  state: RunState
  exitCode: number | null
  createdAt: string
  heartbeatAt: string
  finishedAt: string | null
  heartbeatTimeoutS: number
  config: Record<string, unknown>
  summary: Record<string, unknown>
  metadata: Record<string, unknown>
  metrics: MetricDefinition[]
  /** Highest committed step, null before the first row. */
  lastStep: number | null
  rejectedCount: number
  forkedFrom: ForkedFrom | null
  /** Archived runs are the pre-rewind states of a live run; they are read-only. */
  archived: boolean
  stopRequested: boolean
  url: string
}

/** Columnar history: one step column, then one column per key, `null` where a row lacks the key. */
export interface ColumnarHistory {
  steps: number[]
  /** Seconds since the run started (W&B's `_runtime`). */
  runtime: number[]
  /** Unix seconds, fractional (W&B's `_timestamp`). */
  timestamp: number[]
  columns: Record<string, (WireNumber | null)[]>
}

/** A non-scalar logged value (string, list, media descriptor). */
export interface LoggedValue {
  step: number
  key: string
  value: unknown
}

export interface WireRejectedRow {
  attemptedStep: number
  currentStep: number
  keys: string[]
  /** Unix ms, when the row was logged. */
  timestamp: number
}

export interface ConsoleLine {
  /** Unix ms. */
  t: number
  stream: 'stdout' | 'stderr'
  line: string
  step?: number
  /**
   * Set by clients that number their console lines (W&B's `output.log` offsets): a line with a
   * number replaces the earlier line of that number in the same segment. Not part of REST v1.
   */
  lineNo?: number
}

export const ALERT_LEVELS = ['INFO', 'WARN', 'ERROR'] as const
export type AlertLevel = (typeof ALERT_LEVELS)[number]

/** `run.alert(...)`: stored on the run and listed with it. */
export interface RunAlert {
  /** Unix ms. */
  t: number
  title: string
  text: string
  level: AlertLevel
}

export interface SystemSample {
  /** Unix ms. */
  t: number
  values: Record<string, number>
}

/**
 * `POST /api/v1/runs/:entity/:project/:runId/batches`. A writer numbers its batches 1, 2, 3…;
 * a batch whose `seq` was already committed is acknowledged without being applied again.
 */
export interface IngestBatch {
  writerId: string
  seq: number
  history?: ColumnarHistory
  values?: LoggedValue[]
  rejected?: WireRejectedRow[]
  /** Top-level keys set on the config (already checked against allowValChange by the client). */
  config?: Record<string, unknown>
  /** Summary keys the user set; `null` removes an override. */
  summary?: Record<string, unknown>
  metrics?: MetricDefinition[]
  metadata?: Record<string, unknown>
  console?: ConsoleLine[]
  system?: SystemSample[]
  alerts?: RunAlert[]
  /** Present on the last batch of a run. */
  exit?: { state: TerminalState; exitCode: number }
  preempting?: boolean
}

export interface ControlSignals {
  stopRequested: boolean
}

export interface IngestResponse {
  committedSeq: number
  /** True when this batch had been committed before and was not applied again. */
  duplicate: boolean
  control: ControlSignals
}

export interface HeartbeatResponse {
  control: ControlSignals
  state: RunState
}

/**
 * One Server-Sent Event of `GET …/runs/{entity}/{project}/{runId}/events` (the SSE `event:` field
 * is `type`). `state` is sent first on connect, then after each change; `data` after committed
 * batches (at most every ~100 ms per run); `stop` when a stop is requested.
 */
export interface RunEvent {
  /** `files`: a run file was uploaded or deleted. */
  type: 'state' | 'data' | 'stop' | 'files'
  entity: string
  project: string
  runId: string
  state: RunState
  lastStep: number | null
  stopRequested: boolean
  /** Unix ms when the server sent it. */
  at: number
}

export interface RunListResponse {
  runs: RunDto[]
  total: number
  nextCursor: string | null
}

export interface HistoryResponse extends ColumnarHistory {
  values: LoggedValue[]
}

export interface BucketsResponse {
  key: string
  minStep: number
  maxStep: number
  buckets: number
  data: { [K in keyof M4Buckets]: K extends 'step' | 'lastStep' | 'count' ? number[] : WireNumber[] }
}

export interface RunPatch {
  name?: string
  notes?: string
  tags?: string[]
  group?: string | null
  jobType?: string | null
}

/** `GET .../:runId/lineage`: where a run branched from, what branched from it, and its rewinds. */
export interface LineageResponse {
  parent: ForkedFrom | null
  children: { runId: string; step: number; createdAt: string }[]
  /** Each archived pre-rewind state is readable with `?archive=<archiveIndex>`. */
  rewinds: RewindDto[]
  /**
   * The run's history as step ranges in order, each with the run whose logging produced it, so
   * any step of any read (rows, buckets) can be traced to its source run.
   */
  segments: ViewSegment[]
}

export interface ViewSegment {
  runId: string
  fromStep: number
  /** Inclusive; null for the open tail the run still writes to. */
  toStep: number | null
}

export interface RewindDto {
  archiveIndex: number
  step: number
  at: string
  lastStep: number | null
}

export interface RunTreeNode {
  id: string
  name: string
  state: RunState
  createdAt: string
  lastStep: number | null
  forkedFrom: ForkedFrom | null
  /** Rewinds of this run, oldest first. */
  rewinds: RewindDto[]
  children: RunTreeNode[]
}

/** `GET /api/v1/projects/:entity/:project/tree`: forks under their parents, rewinds on their runs. */
export interface RunTreeResponse {
  entity: string
  project: string
  roots: RunTreeNode[]
}

export interface ViewerResponse {
  username: string
  entity: string
  isAdmin: boolean
}

/** `POST /api/v1/session`: trade an API key for a browser session cookie. */
export interface SessionRequest {
  apiKey: string
}

/**
 * `POST` and `GET /api/v1/session`. A cookie-signed-in browser sends `csrfToken` as the
 * `x-csrf-token` header on every request that is not GET, HEAD or OPTIONS. `GET` answers null
 * for it when the request carried an API key instead of the cookie.
 */
export interface SessionResponse extends ViewerResponse {
  csrfToken: string | null
}

/** The browser session's cookie and the header that proves a write came from the web app. */
export const SESSION_COOKIE = 'stemma_session'
export const CSRF_HEADER = 'x-csrf-token'

export interface ProjectListItem {
  name: string
  /** Live runs; archived (pre-rewind) states are not counted. */
  runCount: number
  /** The latest heartbeat or creation among its runs. */
  lastActivityAt: string
  /** When its earliest run was created. */
  createdAt: string
}

/** `GET /api/v1/projects/:entity`: the entity's projects, most recently active first. */
export interface ProjectListResponse {
  entity: string
  projects: ProjectListItem[]
}
