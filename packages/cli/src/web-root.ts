import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The web app as the monorepo builds it: `packages/web/dist`, found from this file, which sits
 * one level below `packages/cli` both as source (`src/`) and as built code (`dist/`).
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

/** Whether `dir` holds a built web app (its index.html). */
export function isBuiltWebApp(dir: string): boolean {
  return existsSync(join(dir, 'index.html'))
}

/**
 * The link that signs a browser in with `key`. The key rides in the fragment, which browsers
 * never send, so it reaches no request line, proxy or access log.
 */
export function signInLink(publicUrl: string, key: string): string {
  return `${publicUrl}/sign-in#key=${encodeURIComponent(key)}`
}
