/**
 * Storage ports. The server's services talk to these interfaces only; each dialect (SQLite,
 * PostgreSQL) implements them over one async executor and passes the same contract tests.
 */
import type {
  ConsoleLine,
  ForkedFrom,
  IngestBatch,
  LoggedValue,
  M4Buckets,
  MetricDefinition,
  RunFilter,
  RunPatch,
  RunState,
  SystemSample,
  RunAlert,
  RunFile,
  View,
  ViewSegment,
  WireRejectedRow,
} from '@stemma/core'
import type { StoredBlob } from './blob/blob-store.js'
import type { Database } from './sql/executor.js'

export interface RunRef {
  entity: string
  project: string
  runId: string
  /**
   * Names an archived (pre-rewind) copy of the run: its `archiveIndex` from `Lineage.rewinds`.
   * Reads and `fork` accept it; writes fail with RUN_ARCHIVED.
   */
  archive?: number
}

/** A run as stored. `state` is the stored state; `crashed` is derived on read by the service. */
export interface RunRecord {
  /** Internal storage id, never shown to users. */
  pk: number
  entity: string
  project: string
  runId: string
  displayName: string
  notes: string
  tags: string[]
  group: string | null
  jobType: string | null
  state: RunState
  exitCode: number | null
  createdAt: number
  heartbeatAt: number
  finishedAt: number | null
  heartbeatTimeoutS: number
  config: Record<string, unknown>
  summary: Record<string, unknown>
  /** Keys the user set with `run.summary.set`; they win over computed values. */
  summaryOverrides: Record<string, unknown>
  metadata: Record<string, unknown>
  metrics: MetricDefinition[]
  lastStep: number | null
  rejectedCount: number
  stopRequested: boolean
  forkedFrom: ForkedFrom | null
  /** pk of the live run this is an archived (pre-rewind) copy of, or null for live runs. */
  archivedFrom: number | null
  view: View
}

export interface CreateRunInput {
  entity: string
  project: string
  runId: string
  /** Display name; the store generates `adjective-noun-N` when absent. */
  displayName?: string
  notes?: string
  tags?: string[]
  group?: string | null
  jobType?: string | null
  config?: Record<string, unknown>
  metadata?: Record<string, unknown>
  heartbeatTimeoutS: number
  now: number
}

export interface ListRunsQuery {
  entity: string
  project: string
  filter?: RunFilter
  /** Field path, `-` prefix for descending: `-createdAt`, `summary.loss`. Default `-createdAt`. */
  order?: string
  limit: number
  offset: number
  includeArchived?: boolean
  /** Unix ms, for the derived states (`crashed`, `preempted`) that filters and sorts see. */
  now?: number
}

export interface StatePatch {
  state?: RunState
  exitCode?: number | null
  finishedAt?: number | null
  heartbeatAt?: number
  stopRequested?: boolean
}

export interface HistoryQuery {
  /** Keys to return; all keys when absent. */
  keys?: string[]
  minStep?: number
  maxStep?: number
  /** At most this many rows, from the start of the range. */
  limit?: number
}

export interface HistoryRows {
  steps: number[]
  runtime: number[]
  timestamp: number[]
  columns: Record<string, (number | null)[]>
  values: LoggedValue[]
  /** For each returned row, the runId whose segment holds it (lineage views merge several). */
  sourceRunIds: string[]
}

export interface BucketsQuery {
  key: string
  /** Default 0. */
  minStep?: number
  /** Default: the run's last step (or minStep for a run without history). */
  maxStep?: number
  buckets: number
}

export interface BucketsResult extends M4Buckets {
  minStep: number
  maxStep: number
}

export interface IngestOutcome {
  committedSeq: number
  duplicate: boolean
  run: RunRecord
}

export interface KeyInfo {
  key: string
  kind: 'scalar' | 'value'
  count: number
  /** A scalar key's latest value in the view. */
  last?: number
}

export interface Lineage {
  /** The run this one was forked from, and at which step. */
  parent: { runId: string; step: number } | null
  children: { runId: string; step: number; createdAt: number }[]
  /** Each rewind of this run: the archived state and the step it was rewound to. */
  rewinds: { archiveIndex: number; step: number; at: number; lastStep: number | null }[]
  /** The run's view in step order: which run's segment holds each step range. */
  segments: ViewSegment[]
}

/** One project of an entity, over its live runs (archived pre-rewind states are not counted). */
export interface ProjectSummary {
  name: string
  runCount: number
  /** Unix ms: the latest heartbeat or creation among its runs. */
  lastActivityAt: number
  /** Unix ms: when its earliest run was created. */
  createdAt: number
}

export interface ApiKeyOwner {
  userId: number
  username: string
  isAdmin: boolean
}

export interface AuthRepository {
  countUsers(): Promise<number>
  createUser(username: string, isAdmin: boolean, now: number): Promise<number>
  /** Stores only the hash of a key. */
  addApiKey(userId: number, keyHash: string, label: string, now: number): Promise<void>
  findKeyOwner(keyHash: string): Promise<ApiKeyOwner | null>
  /**
   * The shared secret called `name`: the first process to ask stores `candidate`, every later
   * caller (in any process on this database) gets that same value.
   */
  serverSecret(name: string, candidate: string): Promise<string>
}

export interface RunRepository {
  create(input: CreateRunInput): Promise<RunRecord>
  /** Live run by path; archived runs are reached with `getByPk`. */
  get(ref: RunRef): Promise<RunRecord | null>
  getByPk(pk: number): Promise<RunRecord | null>
  list(query: ListRunsQuery): Promise<{ runs: RunRecord[]; total: number }>
  /** The entity's projects that have live runs, most recently active first (then by name). */
  projects(entity: string): Promise<ProjectSummary[]>
  patch(ref: RunRef, patch: RunPatch): Promise<RunRecord>
  setState(ref: RunRef, patch: StatePatch): Promise<RunRecord>
  /** Sets top-level config keys (merge), e.g. when a resumed run brings new config. */
  mergeConfig(ref: RunRef, config: Record<string, unknown>): Promise<RunRecord>
  delete(ref: RunRef): Promise<void>
  /**
   * A new run whose view is the source's view clipped at `step`, followed by its own fresh
   * segment. Metadata work only: no point is copied. The summary is recomputed over the clipped
   * view with the source's metric definitions.
   */
  fork(source: RunRef, step: number, input: CreateRunInput): Promise<RunRecord>
  /**
   * Keeps the run's current state as an archived read-only run, then truncates the live view
   * at `step` and opens a fresh segment after it. Summary is recomputed; config is kept.
   */
  rewind(ref: RunRef, step: number, now: number): Promise<RunRecord>
  lineage(ref: RunRef): Promise<Lineage>
  /** Archived runs of a live run, oldest first. */
  archives(ref: RunRef): Promise<RunRecord[]>
  /** The most recent `limit` entries, oldest first (likewise `console` and `system`). */
  rejected(ref: RunRef, limit: number): Promise<WireRejectedRow[]>
  /** Through the run's view: after a rewind, lines logged past the rewind step stay with the archive. */
  console(ref: RunRef, limit: number): Promise<ConsoleLine[]>
  system(ref: RunRef, limit: number): Promise<SystemSample[]>
  /** Alerts in the run's view, oldest first (the last `limit`). */
  alerts(ref: RunRef, limit: number): Promise<RunAlert[]>
}

/** What a batch carries, without the writer cursor that makes it idempotent. */
export type BatchContent = Omit<IngestBatch, 'writerId' | 'seq'>

/**
 * How many lines of each kind the run holds where a client that numbers its lines (W&B's
 * file_stream offsets) writes next: history rows in the run's view plus the rows refused for
 * being behind its step, and the system samples and console lines of its open segment (a fork
 * or rewind starts those afresh).
 */
export interface LineCounts {
  history: number
  events: number
  console: number
}

export interface HistoryRepository {
  /**
   * Applies a batch in one transaction: history, values, summary, config, metrics, metadata,
   * console, system samples, rejected rows, exit state and heartbeat. Idempotent by
   * (writerId, seq); a seq beyond the next expected one fails with SEQUENCE_GAP.
   */
  ingest(ref: RunRef, batch: IngestBatch, now: number): Promise<IngestOutcome>
  /**
   * Applies batch content with no writer cursor: for callers whose content says where it goes
   * (line numbers checked against `lineCounts` in the same transaction), so applying it again is
   * theirs to prevent.
   */
  apply(ref: RunRef, content: BatchContent, now: number): Promise<RunRecord>
  /** Locks the run (like a batch does) and counts its lines; see `LineCounts`. */
  lineCounts(ref: RunRef): Promise<LineCounts>
  read(ref: RunRef, query: HistoryQuery): Promise<HistoryRows>
  buckets(ref: RunRef, query: BucketsQuery): Promise<BucketsResult>
  keys(ref: RunRef): Promise<KeyInfo[]>
  /**
   * The last step at which a monotonic step metric (e.g. `tokens`) is ≤ `value`, for fork and
   * rewind points given in that metric. Fails with STEP_NOT_MONOTONIC when the series decreases.
   */
  stepForMetricValue(ref: RunRef, metric: string, value: number): Promise<number>
}

/** A run file with the blob store key its content lives under (a key never leaves the server). */
export interface StoredRunFile extends RunFile {
  blobKey: string
}

export interface PutFileInput {
  /** Checked by the caller (see core `assertFileName`). */
  name: string
  /** The content, already in the blob store. */
  blob: StoredBlob
  now: number
}

/**
 * Files of live runs (an archived copy reads its live run's files). Content is kept once per
 * SHA-256: every method that can leave a blob unreferenced returns the blob store keys that the
 * caller should delete once the transaction has committed.
 */
export interface FileRepository {
  /** Sets `name` to the blob's content, replacing an earlier version. */
  put(ref: RunRef, input: PutFileInput): Promise<{ file: RunFile; unusedBlobKeys: string[] }>
  /** By name. */
  list(ref: RunRef): Promise<RunFile[]>
  get(ref: RunRef, name: string): Promise<StoredRunFile | null>
  remove(ref: RunRef, name: string): Promise<{ removed: boolean; unusedBlobKeys: string[] }>
  /** Of these contents, forgets those no run file names any more, and returns their blob keys. */
  collect(sha256s: readonly string[]): Promise<string[]>
}

/** The repositories bound to one open transaction (see `Store.transaction`). */
export interface StoreTransaction {
  readonly runs: RunRepository
  readonly history: HistoryRepository
  readonly files: FileRepository
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres'
  /** The executor under the repositories: health checks and cross-process notifications. */
  readonly database: Database
  readonly auth: AuthRepository
  readonly runs: RunRepository
  readonly history: HistoryRepository
  readonly files: FileRepository
  /**
   * Runs several repository calls as one transaction: either all of them take effect or, when
   * `fn` throws, none does. Use the repositories `fn` is given, not the store's own.
   */
  transaction<R>(fn: (tx: StoreTransaction) => Promise<R>): Promise<R>
  close(): Promise<void>
}
