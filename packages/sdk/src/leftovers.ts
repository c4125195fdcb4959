import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readRunInfo, writeRunInfo } from './run-dir.js'
import type { Warn } from './settings.js'
import { syncRunDir } from './sync.js'

export interface LeftoverOptions {
  baseUrl: string
  apiKey: string | undefined
  /** Per run directory; a server that stays away leaves the rest to `stemma sync`. */
  deadlineMs: number
  warn: Warn
}

/**
 * Before a run is resumed, delivers what earlier processes of the same run, started in the same
 * directory, left in their write-ahead files (a process killed with SIGKILL gets no chance to). The
 * resumed run then continues after the last step they logged, not the last one the server had
 * acknowledged. A directory is delivered once: it is marked in its `run.json`.
 */
export async function deliverLeftovers(
  baseDir: string,
  runId: string,
  options: LeftoverOptions,
): Promise<void> {
  const root = join(baseDir, 'stemma')
  let names: string[]
  try {
    names = readdirSync(root).filter((name) => name.startsWith('run-') && name.endsWith(`-${runId}`))
  } catch {
    return
  }
  for (const name of names.sort()) {
    const dir = join(root, name)
    let info
    try {
      info = readRunInfo(dir)
    } catch {
      continue
    }
    if (info.runId !== runId || info.offline || info.delivered === true || info.exit?.uploaded === true)
      continue
    try {
      const result = await syncRunDir(dir, {
        baseUrl: options.baseUrl,
        apiKey: options.apiKey,
        retryInitialMs: 250,
        retryMaxMs: 2_000,
        deadlineMs: options.deadlineMs,
      })
      if (result.trailingBytes === 0 && result.filesPending === 0) {
        writeRunInfo(dir, { ...readRunInfo(dir), delivered: true })
      }
    } catch (err) {
      options.warn(`could not deliver what an earlier process left in ${dir}: ${(err as Error).message}`)
    }
  }
}
