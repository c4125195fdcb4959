import { StemmaError, type DefineMetricOptions, type MetricDefinition } from '@stemma/core'
import { downloadRunFile, type RestoreOptions } from './files/restore.js'
import type { SaveOptions } from './files/saved-files.js'
import { getRun } from './init.js'
import { defaultWarn, resolveConnection } from './settings.js'
import { HttpClient } from './transport.js'

export { init, getRun, current as run, type InitOptions } from './init.js'
export { Run, type RunStatus } from './run.js'
export { RunConfig } from './run-config.js'
export { RunSummary } from './run-summary.js'
export { Api, ApiRun, RunList, type ApiOptions, type HistoryRow } from './api.js'
export type { LineageResponse, RunTreeNode, RunTreeResponse } from '@stemma/core'
export { syncRunDir, type SyncOptions, type SyncResult } from './sync.js'
export {
  readWal,
  restoreRecord,
  WalWriter,
  type WalEntry,
  type WalReadResult,
  type WalRecord,
} from './wal.js'
export { readRunInfo, type RunInfo } from './run-dir.js'
export type { RestoreOptions } from './files/restore.js'
export type { SaveOptions, SavePolicy } from './files/saved-files.js'
export type { CodeFilter, LogCodeOptions } from './files/log-code.js'
export { loadLogin, saveLogin, credentialsPath, type Mode, type SettingsInput } from './settings.js'
export { HttpClient, type Outcome } from './transport.js'
export { RetryingTransport, type RetryPolicy } from './retrying-transport.js'

function activeRun(call: string) {
  const run = getRun()
  if (run === undefined) throw new StemmaError('BAD_REQUEST', `call stemma.init() before stemma.${call}().`)
  return run
}

export function log(data: Record<string, unknown>, options?: { step?: number; commit?: boolean }): void {
  activeRun('log').log(data, options)
}

export function defineMetric(name: string, options?: DefineMetricOptions): MetricDefinition {
  return activeRun('defineMetric').defineMetric(name, options)
}

/** Finishes the active run, if any. */
export async function finish(exitCode?: number): Promise<void> {
  await getRun()?.finish(exitCode)
}

/** Saves files with the active run (see `Run.save`). */
export function save(glob: string, options?: SaveOptions): string[] {
  return activeRun('save').save(glob, options)
}

/**
 * Downloads a run file (W&B's `wandb.restore`) to `<root>/<name>` and returns that path, or null
 * when the run has no such file. Without `runPath` it reads the active run; an existing local file
 * is kept unless `replace`.
 */
export async function restore(name: string, options: RestoreOptions = {}): Promise<string | null> {
  const run = getRun()
  const runPath = options.runPath ?? run?.path
  if (runPath === undefined) {
    throw new StemmaError(
      'BAD_REQUEST',
      'stemma.restore needs runPath (entity/project/runId) when no run is active.',
    )
  }
  const client = run?.httpClient ?? new HttpClient(resolveConnection({}, process.env, defaultWarn))
  const root = options.root ?? run?.filesDir ?? process.cwd()
  return downloadRunFile(client, runPath, name, root, options.replace === true)
}
