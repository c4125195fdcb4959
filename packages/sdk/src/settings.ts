import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { StepPolicy } from '@stemma/core'

export type Mode = 'online' | 'offline' | 'disabled'

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080'

/** Knobs a user may pass as `init({ settings })`. Every one has a default. */
export interface SettingsInput {
  /** `strict` makes a lower explicit step throw instead of being dropped with a warning. */
  stepPolicy?: StepPolicy
  /** How often buffered rows go to the write-ahead file and the uploader (≤ 100 ms keeps crash loss small). */
  flushIntervalMs?: number
  /** Rows buffered in memory before a flush is started early. */
  maxBufferedRows?: number
  /** Heartbeat period while no batch went out; the server marks a run crashed after `heartbeatTimeoutS`. */
  heartbeatIntervalMs?: number
  heartbeatTimeoutS?: number
  /** No terminal output except warnings. */
  quiet?: boolean
  /** Unacknowledged batch bytes kept in memory; beyond it, bodies are re-read from the write-ahead file. */
  maxUnackedBytes?: number
  /** First and longest wait between upload retries. */
  retryInitialMs?: number
  retryMaxMs?: number
  /** How long `init` keeps trying to reach the server before giving up. */
  initTimeoutMs?: number
  /** How long `finish()` waits for the upload before leaving the rest to `stemma sync`; 0 waits forever. */
  finishTimeoutMs?: number
  /** Called after the run finished as `killed` because someone asked it to stop. */
  onStopRequested?: () => void
  /** After a stop: end the process (`exit`, the default) or leave that to `onStopRequested` (`callback`). */
  stopAction?: 'exit' | 'callback'
  /** Install the process hooks that finish the run on exit, errors and signals (default true). */
  handleExit?: boolean
  /** Record the process's stdout and stderr as the run's console (default true). */
  captureConsole?: boolean
  /** Sample CPU, memory, disk, network and GPUs as the run's system metrics (default true). */
  captureSystem?: boolean
  /** How often system metrics are sampled (default 10 s, at least 100 ms). */
  statsSamplingIntervalMs?: number
  /** Save `git diff HEAD` as the run file `diff.patch` when the work tree has changes (default true). */
  saveGitDiff?: boolean
  /** Where terminal lines go (defaults to stderr). */
  print?: (line: string) => void
}

export interface Settings extends Required<Omit<SettingsInput, 'onStopRequested' | 'print'>> {
  onStopRequested: (() => void) | undefined
  print: (line: string) => void
}

export interface Connection {
  baseUrl: string
  apiKey: string | undefined
}

type Env = Record<string, string | undefined>
export type Warn = (message: string) => void

export const defaultWarn: Warn = (message) => process.stderr.write(`stemma: WARNING ${message}\n`)

/** Blank means unset, so `STEMMA_PROJECT=` in a shell script behaves like no variable at all. */
export function envString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

function blankToUndefined(value: string | undefined | null): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

export function credentialsPath(env: Env = process.env): string {
  const dir = envString(env, 'STEMMA_CONFIG_DIR') ?? join(homedir(), '.config', 'stemma')
  return join(dir, 'credentials.json')
}

/** What `stemma login` saved, or `{}`; a missing or damaged file is never an error here. */
export function loadLogin(env: Env = process.env, warn: Warn = defaultWarn): Partial<Connection> {
  const file = credentialsPath(env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return {}
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    const out: Partial<Connection> = {}
    if (typeof parsed.baseUrl === 'string' && parsed.baseUrl.trim() !== '')
      out.baseUrl = parsed.baseUrl.trim()
    if (typeof parsed.apiKey === 'string' && parsed.apiKey.trim() !== '') out.apiKey = parsed.apiKey.trim()
    return out
  } catch {
    warn(`${file} is not valid JSON; ignoring it (run \`stemma login\` again to rewrite it).`)
    return {}
  }
}

/** Writes the credentials file readable by its owner only, and returns its path. */
export function saveLogin(login: Connection, env: Env = process.env): string {
  const file = credentialsPath(env)
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const body =
    JSON.stringify({ baseUrl: normalizeBaseUrl(login.baseUrl), apiKey: login.apiKey }, null, 2) + '\n'
  writeFileSync(file, body, { mode: 0o600 })
  // writeFileSync keeps the mode of an existing file; tighten it in case an older one was looser.
  chmodSync(file, 0o600)
  return file
}

export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '')
}

function validUrl(raw: string | undefined, source: string, warn: Warn): string | undefined {
  if (raw === undefined) return undefined
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return normalizeBaseUrl(raw)
  } catch {
    // fall through to the warning
  }
  warn(`${source} ${JSON.stringify(raw)} is not an http(s) URL; ignoring it.`)
  return undefined
}

/** options > STEMMA_BASE_URL / STEMMA_API_KEY > the credentials file > the default local server. */
export function resolveConnection(
  options: { baseUrl?: string; apiKey?: string },
  env: Env = process.env,
  warn: Warn = defaultWarn,
): Connection {
  const fromEnvUrl = validUrl(envString(env, 'STEMMA_BASE_URL'), 'STEMMA_BASE_URL', warn)
  const fromOptionUrl = validUrl(blankToUndefined(options.baseUrl), 'baseUrl', warn)
  const needsFile =
    (fromOptionUrl ?? fromEnvUrl) === undefined || blankToUndefined(options.apiKey) === undefined
  const file = needsFile ? loadLogin(env, warn) : {}
  return {
    baseUrl:
      fromOptionUrl ?? fromEnvUrl ?? validUrl(file.baseUrl, 'credentials baseUrl', warn) ?? DEFAULT_BASE_URL,
    apiKey: blankToUndefined(options.apiKey) ?? envString(env, 'STEMMA_API_KEY') ?? file.apiKey,
  }
}

export interface RunTarget {
  project: string
  entity: string | undefined
  mode: Mode
  dir: string
}

const MODES: readonly Mode[] = ['online', 'offline', 'disabled']

export function resolveTarget(
  options: { project?: string; entity?: string; mode?: string; dir?: string },
  env: Env = process.env,
  warn: Warn = defaultWarn,
): RunTarget {
  const modeRaw = blankToUndefined(options.mode) ?? envString(env, 'STEMMA_MODE')
  let mode: Mode = 'online'
  if (modeRaw !== undefined) {
    if ((MODES as readonly string[]).includes(modeRaw)) mode = modeRaw as Mode
    else warn(`mode ${JSON.stringify(modeRaw)} is not one of ${MODES.join(', ')}; using online.`)
  }
  return {
    project: blankToUndefined(options.project) ?? envString(env, 'STEMMA_PROJECT') ?? 'uncategorized',
    entity: blankToUndefined(options.entity) ?? envString(env, 'STEMMA_ENTITY'),
    mode,
    dir: resolve(blankToUndefined(options.dir) ?? envString(env, 'STEMMA_DIR') ?? process.cwd()),
  }
}

const DEFAULTS: Omit<Settings, 'onStopRequested' | 'print'> = {
  stepPolicy: 'warn',
  flushIntervalMs: 100,
  maxBufferedRows: 10_000,
  heartbeatIntervalMs: 10_000,
  heartbeatTimeoutS: 60,
  quiet: false,
  maxUnackedBytes: 64 * 1024 * 1024,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  initTimeoutMs: 60_000,
  finishTimeoutMs: 120_000,
  handleExit: true,
  stopAction: 'exit',
  captureConsole: true,
  captureSystem: true,
  statsSamplingIntervalMs: 10_000,
  saveGitDiff: true,
}

function positive(value: unknown, name: string, fallback: number, warn: Warn, allowZero = false): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isFinite(value) && (value > 0 || (allowZero && value === 0)))
    return value
  warn(`settings.${name} must be a ${allowZero ? 'non-negative' : 'positive'} number; using ${fallback}.`)
  return fallback
}

export function resolveSettings(
  input: SettingsInput = {},
  env: Env = process.env,
  warn: Warn = defaultWarn,
): Settings {
  let stepPolicy = DEFAULTS.stepPolicy
  if (input.stepPolicy !== undefined) {
    if (input.stepPolicy === 'warn' || input.stepPolicy === 'strict') stepPolicy = input.stepPolicy
    else warn(`settings.stepPolicy must be 'warn' or 'strict'; using 'warn'.`)
  }
  const quietEnv = envString(env, 'STEMMA_QUIET') ?? envString(env, 'STEMMA_SILENT')
  const quiet =
    input.quiet ?? (quietEnv !== undefined && !['0', 'false', 'no'].includes(quietEnv.toLowerCase()))
  return {
    stepPolicy,
    flushIntervalMs: Math.min(
      positive(input.flushIntervalMs, 'flushIntervalMs', DEFAULTS.flushIntervalMs, warn),
      60_000,
    ),
    maxBufferedRows: positive(input.maxBufferedRows, 'maxBufferedRows', DEFAULTS.maxBufferedRows, warn),
    heartbeatIntervalMs: positive(
      input.heartbeatIntervalMs,
      'heartbeatIntervalMs',
      DEFAULTS.heartbeatIntervalMs,
      warn,
    ),
    heartbeatTimeoutS: positive(
      input.heartbeatTimeoutS,
      'heartbeatTimeoutS',
      DEFAULTS.heartbeatTimeoutS,
      warn,
    ),
    quiet: quiet === true,
    maxUnackedBytes: positive(input.maxUnackedBytes, 'maxUnackedBytes', DEFAULTS.maxUnackedBytes, warn),
    retryInitialMs: positive(input.retryInitialMs, 'retryInitialMs', DEFAULTS.retryInitialMs, warn),
    retryMaxMs: positive(input.retryMaxMs, 'retryMaxMs', DEFAULTS.retryMaxMs, warn),
    initTimeoutMs: positive(input.initTimeoutMs, 'initTimeoutMs', DEFAULTS.initTimeoutMs, warn),
    finishTimeoutMs: positive(input.finishTimeoutMs, 'finishTimeoutMs', DEFAULTS.finishTimeoutMs, warn, true),
    handleExit: input.handleExit !== false,
    stopAction: input.stopAction === 'callback' ? 'callback' : 'exit',
    captureConsole: input.captureConsole !== false,
    captureSystem: input.captureSystem !== false,
    saveGitDiff: input.saveGitDiff !== false,
    statsSamplingIntervalMs: Math.max(
      100,
      positive(
        input.statsSamplingIntervalMs,
        'statsSamplingIntervalMs',
        DEFAULTS.statsSamplingIntervalMs,
        warn,
      ),
    ),
    onStopRequested: typeof input.onStopRequested === 'function' ? input.onStopRequested : undefined,
    print: typeof input.print === 'function' ? input.print : (line) => process.stderr.write(`${line}\n`),
  }
}
