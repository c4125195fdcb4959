import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('./finisher-main.js', import.meta.url))

/**
 * Node's `exit` handlers cannot wait for an upload, so a hard `process.exit(n)` hands the rest to
 * a detached process that outlives the script (as W&B's uploader process does): it delivers what
 * the write-ahead file holds, exit record included, as `stemma sync` would. The key travels in
 * its environment, never on its command line. Spawning is synchronous, so this works from `exit`.
 */
export function spawnFinisher(runDir: string, baseUrl: string, apiKey: string | undefined): boolean {
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, STEMMA_BASE_URL: baseUrl }
    if (apiKey !== undefined) env.STEMMA_API_KEY = apiKey
    const child = spawn(process.execPath, [MAIN, runDir], { detached: true, stdio: 'ignore', env })
    child.unref()
    return true
  } catch {
    return false
  }
}
