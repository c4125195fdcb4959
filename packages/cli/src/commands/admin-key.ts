import { existsSync, readFileSync } from 'node:fs'
import type { Store } from '@stemma/store'
import { hashApiKey } from '@stemma/server'

/**
 * The admin key, when this start can know it: the one just created, else the first of the
 * others (the environment's, the data directory's file) that the store still accepts, so a
 * stale one never makes a link that fails.
 */
export async function knownAdminKey(
  store: Store,
  created: string | undefined,
  options: { fromEnv: string | undefined; keyFile: string },
): Promise<string | undefined> {
  if (created !== undefined) return created
  const fromFile = existsSync(options.keyFile) ? readFileSync(options.keyFile, 'utf8').trim() : undefined
  for (const key of [options.fromEnv, fromFile]) {
    if (key && (await store.auth.findKeyOwner(hashApiKey(key))) !== null) return key
  }
  return undefined
}
