import { StemmaError } from '@stemma/core'
import type { Store } from '@stemma/store'
import { generateApiKey, hashApiKey } from './keys.js'

export const ADMIN_USERNAME = 'admin'
// Printable ASCII without spaces: the key travels in an HTTP header and a shell variable.
const SUPPLIED_KEY = /^[\x21-\x7e]{16,256}$/

export interface EnsureAdminResult {
  created: boolean
  /** The plain key, present only when it was created now: it is never stored or shown again. */
  apiKey?: string
  username: string
}

/**
 * First start: with no users yet, creates the admin and its key (the given one, for scripted
 * setups, or a fresh one). Later starts change nothing, so a restart never rotates keys.
 */
export async function ensureAdmin(
  store: Store,
  options: { apiKey?: string; now: number },
): Promise<EnsureAdminResult> {
  if ((await store.auth.countUsers()) > 0) return { created: false, username: ADMIN_USERNAME }
  if (options.apiKey !== undefined && !SUPPLIED_KEY.test(options.apiKey)) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      'The supplied admin API key must be 16–256 printable ASCII characters without spaces.',
    )
  }
  const apiKey = options.apiKey ?? generateApiKey()
  const userId = await store.auth.createUser(ADMIN_USERNAME, true, options.now)
  await store.auth.addApiKey(userId, hashApiKey(apiKey), 'first start', options.now)
  return { created: true, apiKey, username: ADMIN_USERNAME }
}
