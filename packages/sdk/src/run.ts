import {
  defineMetric as coreDefineMetric,
  isPlainObject,
  StemmaError,
  StepClock,
  upsertMetricDefinition,
  type DefineMetricOptions,
  type MetricDefinition,
  type TerminalState,
  type ControlSignals,
} from '@stemma/core'
import './dispose.js'
import { HistoryEncoder } from './history-encoder.js'
import { LocalSummary } from './local-summary.js'
import { FileUploader } from './files/file-uploader.js'
import type { LogCodeOptions } from './files/log-code.js'
import { SavedFiles, type SaveOptions } from './files/saved-files.js'
import { spawnFinisher } from './finisher.js'
import { AlertThrottle, type AlertOptions } from './alerts.js'
import { Pipeline } from './pipeline.js'
import { RunBackground } from './run-background.js'
import { RunConfig } from './run-config.js'
import { clearResumeRecord, writeRunInfo, type RunInfo } from './run-dir.js'
import { RunSummary } from './run-summary.js'
import { snapshot } from './snapshot.js'
import type { Mode, Settings, Warn } from './settings.js'
import { summaryBlock } from './terminal.js'
import type { HttpClient } from './transport.js'
import type { DrainResult, Uploader } from './uploader.js'
import type { WalWriter } from './wal.js'

/** Everything `init` worked out; a Run only wires it together. */
export interface RunParams {
  settings: Settings
  warn: Warn
  mode: Mode
  id: string
  name: string
  entity: string
  project: string
  url: string | null
  projectUrl: string | null
  /** The run directory (`<dir>/stemma/run-…`); empty when disabled. */
  dir: string
  /** The directory the run was started in, where `resume: 'auto'` looks. */
  baseDir: string
  startingStep: number
  resumed: boolean
  tags: string[]
  notes: string
  group: string | null
  jobType: string | null
  config: Record<string, unknown>
  summary: Record<string, unknown>
  metrics: MetricDefinition[]
  runtimeOffsetS: number
  writerId: string
  info?: RunInfo
  wal?: WalWriter
  uploader?: Uploader
  client?: HttpClient
  /** `/api/v1/runs/:entity/:project/:runId` */
  apiPath?: string
  onFinished: (run: Run) => void
}

const REJECT_WARN_EVERY = 1000

/** `run.status()`: how far the run's data got. Offline, nothing is acknowledged until `stemma sync`. */
export interface RunStatus {
  /** `log()` calls accepted (a call with `commit: false` and the one that commits it are two). */
  logCalls: number
  batchesWritten: number
  batchesAcknowledged: number
  batchesPending: number
  lastAcknowledgedAt: Date | null
}

/** A run in progress: the seed-004 attributes, `log`, `defineMetric`, `finish`. */
export class Run {
  readonly id: string
  name: string
  readonly project: string
  readonly entity: string
  readonly url: string | null
  readonly projectUrl: string | null
  readonly dir: string
  readonly startingStep: number
  readonly resumed: boolean
  /** Unix seconds, as W&B's `start_time`. */
  readonly startTime: number
  readonly tags: string[]
  readonly notes: string
  readonly group: string | null
  readonly jobType: string | null
  readonly mode: Mode
  readonly config: RunConfig
  readonly summary: RunSummary

  private readonly clock: StepClock
  private readonly pipeline: Pipeline
  private readonly local: LocalSummary
  private readonly encoder: HistoryEncoder
  private definitions: MetricDefinition[]
  private closed = false
  private exitWritten = false
  private closedWarned = false
  private finishPromise: Promise<void> | undefined
  private readonly background: RunBackground
  /** Absent for a disabled run, which has no directory. */
  private readonly files: SavedFiles | undefined
  private logCalls = 0
  private readonly alerts = new AlertThrottle()

  constructor(private readonly params: RunParams) {
    const startMs = Date.now()
    this.id = params.id
    this.name = params.name
    this.project = params.project
    this.entity = params.entity
    this.url = params.url
    this.projectUrl = params.projectUrl
    this.dir = params.dir
    this.startingStep = params.startingStep
    this.resumed = params.resumed
    this.startTime = startMs / 1000
    this.tags = [...params.tags]
    this.notes = params.notes
    this.group = params.group
    this.jobType = params.jobType
    this.mode = params.mode
    this.definitions = [...params.metrics]

    const warn = params.warn
    this.local = new LocalSummary(params.summary)
    this.local.definitions = this.definitions
    this.encoder = new HistoryEncoder(startMs, params.runtimeOffsetS, (step, reason) =>
      warn(`row at step ${step} was logged empty: ${reason}`),
    )
    this.encoder.setDefinitions(this.definitions)
    this.pipeline = new Pipeline({
      writerId: params.writerId,
      encoder: this.encoder,
      summary: this.local,
      wal: params.wal,
      uploader: params.uploader,
      flushIntervalMs: params.settings.flushIntervalMs,
      maxBufferedRows: params.settings.maxBufferedRows,
      onRejected: (row, count) => {
        if (count === 1 || count % REJECT_WARN_EVERY === 0) {
          warn(
            `step ${row.attemptedStep} is lower than the current step ${row.currentStep}; the row was dropped (${count} so far; kept in the run's rejected log).`,
          )
        }
      },
      onError: (err) => warn(`could not write a batch: ${err.message}`),
    })
    this.clock = new StepClock(params.startingStep, this.pipeline, params.settings.stepPolicy)
    this.config = new RunConfig(params.config, (changed) => this.pipeline.setConfig(changed))
    this.summary = new RunSummary(
      this.local,
      () => {
        if (!this.closed) this.safeFlush()
      },
      (values) => this.pipeline.setSummary(values),
    )
    this.pipeline.start()
    this.background = new RunBackground({
      settings: params.settings,
      pipeline: this.pipeline,
      capture: params.wal !== undefined,
      client: params.client,
      apiPath: params.apiPath,
      uploader: params.uploader,
      onControl: (control) => this.handleControl(control),
    })
    this.background.start()
    this.files = this.startFiles()
  }

  /** `entity/project/id`, as `Api.run()` takes it. */
  get path(): string {
    return [this.entity, this.project, this.id].filter((p) => p !== '').join('/')
  }

  /** The step the next committed `log()` lands at. */
  get step(): number {
    return this.clock.step
  }

  /** Rows dropped by the step rule so far. */
  get rejectedCount(): number {
    return this.clock.rejected
  }

  /** True once `finish()` started (or the process began to exit). */
  get finished(): boolean {
    return this.closed
  }

  /**
   * The hot path: checks that `data` is a plain object, applies the step rule and buffers the row.
   * No flattening, encoding or I/O happens here; server trouble never reaches the caller.
   */
  log(data: Record<string, unknown>, options?: { step?: number; commit?: boolean }): void {
    if (this.closed) return this.warnClosed()
    if (!isPlainObject(data)) {
      throw new StemmaError('VALIDATION_FAILED', 'run.log expects a plain object such as { loss: 0.1 }.')
    }
    this.logCalls++
    // The user may reuse and mutate `data` after this call, so the clock gets a copy of its own.
    const row = snapshot(data)
    if (options === undefined) this.clock.log(row, Date.now())
    else this.clock.log(row, Date.now(), options.step, options.commit)
  }

  defineMetric(name: string, options: DefineMetricOptions = {}): MetricDefinition {
    const def = coreDefineMetric(name, options)
    // Rows logged before the definition are encoded under the old rules.
    this.pipeline.flush()
    this.definitions = upsertMetricDefinition(this.definitions, def)
    this.local.definitions = this.definitions
    this.encoder.setDefinitions(this.definitions)
    this.pipeline.setMetric(def)
    return def
  }

  /**
   * Where the run's data is, as W&B's `run.status()` tells it: `log()` calls, batches written to the
   * write-ahead file, batches the server acknowledged, and when it last did.
   */
  status(): RunStatus {
    const uploader = this.params.uploader
    return {
      logCalls: this.logCalls,
      batchesWritten: this.pipeline.batchesWritten,
      batchesAcknowledged: uploader?.ackedSeq ?? 0,
      batchesPending: uploader?.pending ?? 0,
      lastAcknowledgedAt: uploader && uploader.lastAckAt > 0 ? new Date(uploader.lastAckAt) : null,
    }
  }

  /**
   * Raises an alert (W&B's `run.alert`): stored on the run, listed in the API and the web app. An
   * alert with the same title is not sent again within `waitDuration` seconds (default 60).
   * Returns whether it was sent.
   */
  alert(options: AlertOptions): boolean {
    if (this.closed) {
      this.warnClosed()
      return false
    }
    const alert = this.alerts.admit(options, Date.now())
    if (alert === null) return false
    this.pipeline.addAlert(alert)
    this.safeFlush()
    return true
  }

  /**
   * Saves files matching a glob with the run (W&B's `run.save`): `live` (default) uploads now and
   * again whenever a file changes, `now` once, `end` when the run ends. The glob is expanded now;
   * `basePath` sets which directories are kept in the names (see seed 004). Returns the paths
   * created in the run directory.
   */
  save(glob: string, options: SaveOptions = {}): string[] {
    if (this.closed) {
      this.warnClosed()
      return []
    }
    return this.files?.save(glob, options) ?? []
  }

  /**
   * Saves the source files under `root` (default the working directory) as run files `code/…`,
   * uploaded now. By default `.js`/`.ts`/`.py`-like files and Dockerfiles, leaving out
   * `node_modules`, `.git` and run directories. Returns the names saved.
   */
  logCode(root = '.', options: LogCodeOptions = {}): string[] {
    if (this.closed) return []
    return this.files?.logCode(root, options) ?? []
  }

  /** @internal Where restored files go by default: the run directory's `files/`. */
  get filesDir(): string | undefined {
    return this.files?.dir
  }

  /** @internal The client of an online run, for `restore`. */
  get httpClient(): HttpClient | undefined {
    return this.params.client
  }

  /** Tells the server this run is about to be preempted; silence afterwards reads as `preempted`. */
  markPreempting(): void {
    if (this.closed) return
    this.pipeline.markPreempting()
    this.safeFlush()
  }

  /** Ends the run: `finished`, or `failed` for a non-zero exit code. Every call returns the same promise. */
  finish(exitCode?: number): Promise<void> {
    const code = typeof exitCode === 'number' && Number.isFinite(exitCode) ? exitCode : 0
    return this.finishWith(code !== 0 ? 'failed' : 'finished', code)
  }

  /** `await using run = await stemma.init(...)` finishes the run when the block ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.finish()
  }

  /** @internal Ends the run in a given state (signals, uncaught errors, stop requests). */
  finishWith(state: TerminalState, exitCode: number): Promise<void> {
    this.finishPromise ??= this.doFinish(state, exitCode)
    return this.finishPromise
  }

  /**
   * @internal For the process `exit` event, where nothing asynchronous runs any more: commit what is
   * buffered and the exit record to the write-ahead file, so `stemma sync` can end the run.
   */
  writeExitSync(exitCode: number): void {
    if (!this.exitWritten && this.params.wal !== undefined) {
      this.closed = true
      this.stopTimers()
      try {
        this.clock.flush()
        this.pipeline.flush({ state: exitCode === 0 ? 'finished' : 'failed', exitCode })
        this.exitWritten = true
        this.params.wal.close()
      } catch {
        // the process is going away; whatever reached the file is what sync will deliver
      }
    }
    if (this.params.wal === undefined) return
    // Saved files are uploaded from the run directory, by the finisher or `stemma sync`.
    this.files?.finish()
    if (this.mode === 'offline')
      this.params.settings.print(`stemma: Upload this run with: stemma sync ${this.dir}`)
    else if ((this.params.uploader?.pending ?? 0) > 0 || (this.files?.pending ?? 0) > 0) {
      const { client } = this.params
      const handedOff = client !== undefined && spawnFinisher(this.dir, client.baseUrl, client.apiKey)
      this.params.settings.print(
        handedOff
          ? `stemma: the process exited before everything was uploaded; a background process is delivering the rest (or run: stemma sync ${this.dir})`
          : `stemma: the process exited before everything was uploaded; deliver the rest with: stemma sync ${this.dir}`,
      )
    }
  }

  /** @internal Server control signals (from batch acks and heartbeats). */
  handleControl(control: ControlSignals | undefined): void {
    if (control?.stopRequested !== true || this.closed) return
    this.params.settings.print(
      `stemma: run ${this.name} was stopped from the server; finishing it as killed.`,
    )
    void this.finishWith('killed', 143).then(() => {
      const { onStopRequested, stopAction } = this.params.settings
      try {
        onStopRequested?.()
      } catch (err) {
        this.params.warn(`onStopRequested threw: ${(err as Error).message}`)
      }
      // The exit hooks are gone with the finished run: this ends the process as SIGTERM would.
      if (stopAction === 'exit') process.kill(process.pid, 'SIGTERM')
    })
  }

  private warnClosed() {
    if (this.closedWarned) return
    this.closedWarned = true
    this.params.warn(`run ${this.id} is finished; log() calls after finish() are ignored.`)
  }

  private safeFlush() {
    try {
      this.pipeline.flush()
    } catch (err) {
      this.params.warn(`could not write a batch: ${(err as Error).message}`)
    }
  }

  private startFiles(): SavedFiles | undefined {
    const { client, apiPath, settings, warn } = this.params
    if (this.dir === '') return undefined
    const uploader =
      client !== undefined && apiPath !== undefined ? new FileUploader(client, apiPath, warn) : undefined
    const files = new SavedFiles(this.dir, uploader, warn)
    if (settings.saveGitDiff) files.saveGitDiff(process.cwd())
    return files
  }

  private stopTimers() {
    this.background.stop()
    this.pipeline.stop()
  }

  private async doFinish(state: TerminalState, exitCode: number): Promise<void> {
    const { settings, warn, uploader, wal } = this.params
    this.closed = true
    this.stopTimers()
    try {
      this.clock.flush()
      if (wal !== undefined) {
        this.pipeline.flush({ state, exitCode })
        this.exitWritten = true
      } else this.pipeline.flush()
    } catch (err) {
      warn(`could not write the final batch: ${(err as Error).message}`)
    }
    let result: DrainResult = 'done'
    if (uploader !== undefined) result = await this.waitForUpload(uploader)
    if (result === 'done' && !(await this.uploadFiles())) result = 'timeout'
    try {
      wal?.close()
    } catch {
      // closing is best effort; the records were written synchronously
    }
    if (this.params.info !== undefined && this.dir !== '') {
      try {
        writeRunInfo(this.dir, {
          ...this.params.info,
          exit: { state, exitCode, uploaded: result === 'done' },
        })
      } catch {
        // run.json is a convenience for sync; the write-ahead file holds the exit record
      }
    }
    if (state === 'finished' && this.mode !== 'disabled') clearResumeRecord(this.params.baseDir, this.id)
    if (!settings.quiet && this.mode !== 'disabled') this.printEnd(result)
    this.params.onFinished(this)
  }

  private async waitForUpload(uploader: Uploader): Promise<DrainResult> {
    const { settings } = this.params
    const started = Date.now()
    // A ref'd timer: while finish() waits, the process must not drift into exit.
    const progress = setInterval(() => {
      if (!settings.quiet && uploader.pending > 0 && Date.now() - started >= 2000) {
        settings.print(`stemma: uploading... ${uploader.pending} batch(es) left`)
      }
    }, 2000)
    try {
      const result = await uploader.drain(settings.finishTimeoutMs)
      if (result === 'timeout') {
        uploader.stop()
        this.params.warn(`upload did not finish in time; deliver the rest with: stemma sync ${this.dir}`)
      }
      return result
    } finally {
      clearInterval(progress)
    }
  }

  /** Uploads what the run's files directory holds now; false when time ran out first. */
  private async uploadFiles(): Promise<boolean> {
    const { settings } = this.params
    const files = this.files
    if (files === undefined) return true
    files.finish()
    if (files.pending === 0) return true
    if (!settings.quiet) settings.print(`stemma: uploading ${files.pending} file(s)...`)
    const uploaded = await files.idle(settings.finishTimeoutMs === 0 ? 2 ** 31 - 1 : settings.finishTimeoutMs)
    if (!uploaded)
      this.params.warn(`file upload did not finish in time; deliver the rest with: stemma sync ${this.dir}`)
    return uploaded
  }

  private printEnd(result: DrainResult) {
    const { print } = this.params.settings
    for (const line of summaryBlock(this.local.histories(), this.summary.toJSON())) print(line)
    if (this.mode === 'online') {
      if (this.url) print(`stemma: View run ${this.name} at: ${this.url}`)
      if (this.projectUrl) print(`stemma: View project at: ${this.projectUrl}`)
      if (result !== 'done') print(`stemma: Not everything was uploaded; run: stemma sync ${this.dir}`)
    } else if (this.mode === 'offline') {
      print(`stemma: You can sync this run to the server with: stemma sync ${this.dir}`)
    }
    if (this.dir !== '') print(`stemma: Find logs at: ${this.dir}`)
  }
}
