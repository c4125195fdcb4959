import { StemmaError, type DefineMetricOptions, type MetricDefinition } from '@stemma/core'
import { getRun } from './init.js'

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
export { readRunInfo, type RunInfo } from './run-files.js'
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
