import { spawnSync } from 'node:child_process'

/** A patch larger than this is left out: it would be a vendored tree or a data file, not an edit. */
export const MAX_DIFF_BYTES = 10 * 1024 * 1024

/**
 * `git diff HEAD` of the work tree around `cwd` (staged and unstaged changes to tracked files), or
 * undefined when there is none, `git` is missing, or the patch is too large.
 */
export function gitDiff(cwd: string): string | undefined {
  try {
    const r = spawnSync('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], {
      cwd,
      timeout: 5_000,
      encoding: 'utf8',
      maxBuffer: MAX_DIFF_BYTES,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    if (r.status !== 0 || r.error !== undefined) return undefined
    return r.stdout === '' ? undefined : r.stdout
  } catch {
    return undefined
  }
}
