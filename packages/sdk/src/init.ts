import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import {
  API_PREFIX,
  generateRunId,
  parseEntityOrProject,
  parseLineageSpec,
  parseRunId,
  StemmaError,
  type InitRequest,
  type InitResponse,
} from '@stemma/core'
import { installExitHooks, removeExitHooks } from './exit-hooks.js'
import { gpuNames } from './capture/gpu-stats.js'
import { collectMetadata, SDK_VERSION } from './metadata.js'
import { deliverLeftovers } from './leftovers.js'
import { RetryingTransport } from './retrying-transport.js'
import { Run } from './run.js'
import {
  createRunDir,
  readResumeRecord,
  WAL_FILE,
  writeResumeRecord,
  writeRunInfo,
  type RunInfo,
} from './run-dir.js'
import {
  defaultWarn,
  resolveConnection,
  resolveSettings,
  resolveTarget,
  type SettingsInput,
  type Warn,
} from './settings.js'
import { HttpClient } from './transport.js'
import { Uploader } from './uploader.js'
import { WalWriter } from './wal.js'

export interface InitOptions {
  project?: string
  entity?: string
  config?: Record<string, unknown>
  id?: string
  name?: string
  notes?: string
  tags?: string[]
  group?: string
  jobType?: string
  /** Where the `stemma/` folder with run directories goes; defaults to STEMMA_DIR or the working directory. */
  dir?: string
  mode?: 'online' | 'offline' | 'disabled'
  resume?: 'allow' | 'must' | 'never' | 'auto' | boolean
  forkFrom?: string
  resumeFrom?: string
  /** Finish the active run first instead of refusing a second `init`. */
  reinit?: boolean
  baseUrl?: string
  apiKey?: string
  settings?: SettingsInput
}

/** The active run; a live binding, so `stemma.run` always shows the current one. */
export let current: Run | undefined

export function getRun(): Run | undefined {
  return current
}

function clearIfCurrent(run: Run) {
  if (current === run) {
    current = undefined
    removeExitHooks()
  }
}

/** `/api/v1/runs/:entity/:project/:runId` */
export function runApiPath(entity: string, project: string, runId: string): string {
  return `${API_PREFIX}/runs/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${encodeURIComponent(runId)}`
}

export function absoluteUrl(url: string | undefined, baseUrl: string): string | null {
  if (url === undefined || url === '') return null
  try {
    return new URL(url, baseUrl + '/').toString()
  } catch {
    return null
  }
}

function normalizeResume(
  resume: InitOptions['resume'],
  warn: Warn,
): InitRequest['resume'] | 'auto' | undefined {
  if (resume === undefined || resume === false) return undefined
  if (resume === true || resume === 'auto') return 'auto'
  if (resume === 'allow' || resume === 'must' || resume === 'never') return resume
  warn(`resume ${JSON.stringify(resume)} is not one of allow, must, never, auto; starting a new run.`)
  return undefined
}

let starting: Promise<unknown> | undefined

/** Starts a run: the W&B `wandb.init`. One run is active per process unless `reinit` ends the previous one. */
export async function init(options: InitOptions = {}): Promise<Run> {
  // Two inits racing would both see no active run; the second waits for the first to settle.
  while (starting !== undefined) await starting.catch(() => undefined)
  const promise = startRun(options)
  starting = promise
  try {
    return await promise
  } finally {
    if (starting === promise) starting = undefined
  }
}

async function startRun(options: InitOptions): Promise<Run> {
  let warn: Warn = defaultWarn
  // A run already finishing (finish() called but not awaited) is waited for, not refused.
  if (current?.finished === true) await current.finish()
  if (current !== undefined) {
    if (options.reinit !== true) {
      throw new StemmaError(
        'BAD_REQUEST',
        `run ${current.id} is still active; call finish() first, or pass { reinit: true } to finish it and start another.`,
      )
    }
    await current.finish()
  }
  const settings = resolveSettings(options.settings, process.env, warn)
  // Once settings are known, warnings go where the user sends terminal lines.
  if (options.settings?.print !== undefined) warn = (message) => settings.print(`stemma: WARNING ${message}`)
  const target = resolveTarget(options, process.env, warn)
  const project = parseEntityOrProject('project', target.project)
  const entity = target.entity === undefined ? undefined : parseEntityOrProject('entity', target.entity)
  const resumeMode = normalizeResume(options.resume, warn)
  let id = options.id === undefined ? undefined : parseRunId(options.id)
  if (resumeMode === 'auto' && id === undefined) {
    const previous = readResumeRecord(target.dir)
    if (previous !== undefined && previous.project === project) id = parseRunId(previous.runId)
  }
  id ??= generateRunId(Math.random)
  if (options.forkFrom !== undefined) parseLineageSpec(options.forkFrom, 'forkFrom')
  const rewind =
    options.resumeFrom === undefined ? undefined : parseLineageSpec(options.resumeFrom, 'resumeFrom')
  if (rewind !== undefined) id = rewind.runId

  const request: InitRequest = {
    project,
    id,
    config: options.config ?? {},
    metadata: await runMetadata(),
    heartbeatTimeoutS: settings.heartbeatTimeoutS,
  }
  if (entity !== undefined) request.entity = entity
  if (options.name !== undefined) request.name = options.name
  if (options.notes !== undefined) request.notes = options.notes
  if (options.tags !== undefined) request.tags = [...options.tags]
  if (options.group !== undefined) request.group = options.group
  if (options.jobType !== undefined) request.jobType = options.jobType
  if (resumeMode !== undefined) request.resume = resumeMode === 'auto' ? 'allow' : resumeMode
  if (options.forkFrom !== undefined) request.forkFrom = options.forkFrom
  if (options.resumeFrom !== undefined) request.resumeFrom = options.resumeFrom

  const writerId = randomUUID()
  const common = {
    settings,
    warn,
    project,
    tags: request.tags ?? [],
    notes: request.notes ?? '',
    group: request.group ?? null,
    jobType: request.jobType ?? null,
    writerId,
    baseDir: target.dir,
    onFinished: clearIfCurrent,
  }

  if (target.mode === 'disabled') {
    const run = new Run({
      ...common,
      mode: 'disabled',
      id,
      name: options.name ?? id,
      entity: entity ?? '',
      url: null,
      projectUrl: null,
      dir: '',
      startingStep: 0,
      resumed: false,
      config: request.config ?? {},
      summary: {},
      metrics: [],
      runtimeOffsetS: 0,
    })
    current = run
    return run
  }

  const connection = resolveConnection(options, process.env, warn)
  let response: InitResponse | undefined
  let client: HttpClient | undefined
  if (target.mode === 'online') {
    client = new HttpClient({ ...connection, userAgent: `stemma-sdk-node/${SDK_VERSION}` })
    const transport = new RetryingTransport(client, {
      initialMs: settings.retryInitialMs,
      maxMs: settings.retryMaxMs,
      deadlineMs: settings.initTimeoutMs,
      keepAlive: true,
    })
    if (resumeMode === 'allow' || resumeMode === 'must' || resumeMode === 'auto' || rewind !== undefined) {
      await deliverLeftovers(target.dir, id, {
        baseUrl: connection.baseUrl,
        apiKey: connection.apiKey,
        deadlineMs: settings.initTimeoutMs,
        warn,
      })
    }
    const outcome = await transport.send<InitResponse>({
      method: 'POST',
      path: `${API_PREFIX}/runs`,
      body: JSON.stringify(request),
    })
    if (outcome.kind !== 'success') {
      const hint =
        outcome.kind === 'retryable'
          ? ` Is the server running at ${connection.baseUrl}? To log without it, pass mode: 'offline' and run \`stemma sync\` later.`
          : ''
      throw new StemmaError(
        outcome.error.code,
        `stemma.init failed: ${outcome.error.message}${hint}`,
        outcome.error.details,
      )
    }
    response = outcome.body
  }

  const runEntity = response?.run.entity ?? entity ?? ''
  const runDir = createRunDir(target.dir, id)
  const info: RunInfo = {
    version: 1,
    baseUrl: connection.baseUrl,
    entity: response?.run.entity ?? entity ?? null,
    project,
    runId: id,
    writerId,
    init: request,
    offline: target.mode === 'offline',
  }
  writeRunInfo(runDir, info)
  writeResumeRecord(target.dir, { runId: id, project, entity: info.entity, runDir })
  const wal = new WalWriter(join(runDir, WAL_FILE))

  // The uploader exists before the run it reports control signals to.
  const created: { run?: Run } = {}
  const apiPath = runApiPath(runEntity, project, id)
  let uploader: Uploader | undefined
  if (client !== undefined) {
    uploader = new Uploader({
      transport: new RetryingTransport(client, {
        initialMs: settings.retryInitialMs,
        maxMs: settings.retryMaxMs,
      }),
      path: `${apiPath}/batches`,
      wal,
      maxUnackedBytes: settings.maxUnackedBytes,
      warn,
      onControl: (control) => created.run?.handleControl(control),
      syncHint: `run \`stemma sync ${runDir}\` once the problem is fixed.`,
    })
  }

  const startingStep = response?.startingStep ?? offlineStartingStep(options)
  const dto = response?.run
  const run = new Run({
    ...common,
    mode: target.mode,
    id,
    name: dto?.name ?? options.name ?? id,
    entity: runEntity,
    url: absoluteUrl(dto?.url, connection.baseUrl),
    projectUrl: dto
      ? absoluteUrl(`/${encodeURIComponent(runEntity)}/${encodeURIComponent(project)}`, connection.baseUrl)
      : null,
    dir: runDir,
    startingStep,
    resumed: response?.resumed ?? false,
    tags: dto?.tags ?? common.tags,
    notes: dto?.notes ?? common.notes,
    group: dto?.group ?? common.group,
    jobType: dto?.jobType ?? common.jobType,
    config: dto?.config ?? request.config ?? {},
    summary: dto?.summary ?? {},
    metrics: dto?.metrics ?? [],
    runtimeOffsetS: response?.resumed && typeof dto?.summary._runtime === 'number' ? dto.summary._runtime : 0,
    info,
    wal,
    uploader,
    client,
    apiPath,
  })
  created.run = run
  current = run
  if (settings.handleExit) installExitHooks(getRun)
  if (!settings.quiet) printStart(run, settings.print)
  return run
}

/** Offline, nobody can say where a resumed run ended; a fork or rewind starts after its point. */
function offlineStartingStep(options: InitOptions): number {
  const spec = options.forkFrom ?? options.resumeFrom
  if (spec === undefined) return 0
  const parsed = parseLineageSpec(spec, options.forkFrom !== undefined ? 'forkFrom' : 'resumeFrom')
  return parsed.metric === '_step' ? parsed.value + 1 : 0
}

function printStart(run: Run, print: (line: string) => void) {
  if (run.mode === 'offline') {
    print(`stemma: Tracking run ${run.name} offline in ${run.dir}`)
    print(`stemma: Upload it later with: stemma sync ${run.dir}`)
    return
  }
  print(`stemma: ${run.resumed ? 'Resuming' : 'Syncing'} run ${run.name}`)
  if (run.projectUrl) print(`stemma: View project at ${run.projectUrl}`)
  if (run.url) print(`stemma: View run at ${run.url}`)
}

/** The Overview's facts about where the run ran, with the GPU models when nvidia-smi answers. */
async function runMetadata(): Promise<Record<string, unknown>> {
  const gpus = await gpuNames()
  return { ...collectMetadata(), ...(gpus.length > 0 && { gpus, gpuCount: gpus.length }) }
}
