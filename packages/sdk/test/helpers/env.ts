import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(prefix = 'stemma-sdk-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Points every settings source at the test: a private config dir and no STEMMA_* leaking in. */
export function isolateEnv(): string {
  for (const key of Object.keys(process.env)) if (key.startsWith('STEMMA_')) delete process.env[key]
  const configDir = tempDir('stemma-config-')
  process.env.STEMMA_CONFIG_DIR = configDir
  return configDir
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
