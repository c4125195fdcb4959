import { readdirSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { segmentRegExp } from './glob.js'

/** A file filter: glob(s) over the path relative to the root, or W&B's `(path, root) => boolean`. */
export type CodeFilter = string | readonly string[] | ((path: string, root: string) => boolean)

export interface LogCodeOptions {
  /** Default: source files (`.js`, `.ts`, `.py` and the like, `Dockerfile`). */
  include?: CodeFilter
  /** Default: nothing beyond the directories always left out. */
  exclude?: CodeFilter
}

/** Never walked: dependencies, version control and run directories. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'stemma', 'wandb', '.wandb', '__pycache__', '.venv'])

const SOURCE = /\.(?:[cm]?[jt]sx?|py|ipynb|sh)$|(?:^|\/)Dockerfile$/

/** Code files are few; a root with more than this is probably the wrong root. */
export const MAX_CODE_FILES = 1_000

/** Matches a `/`-separated relative path against a glob with `*`, `?`, `[…]` and `**`. */
export function matchesGlob(rel: string, glob: string): boolean {
  const match = (parts: string[], pattern: string[]): boolean => {
    if (pattern.length === 0) return parts.length === 0
    const [head, ...rest] = pattern
    if (head === '**') return match(parts, rest) || (parts.length > 0 && match(parts.slice(1), pattern))
    return parts.length > 0 && segmentRegExp(head!).test(parts[0]!) && match(parts.slice(1), rest)
  }
  return match(rel.split('/'), glob.split('/'))
}

function test(filter: CodeFilter, path: string, root: string): boolean {
  if (typeof filter === 'function') return filter(path, root)
  const rel = relative(root, path).split(sep).join('/')
  const globs = typeof filter === 'string' ? [filter] : filter
  return globs.some((glob) => matchesGlob(rel, glob))
}

/** The code files under `root`, as absolute paths with their `/`-separated path below it. */
export function codeFiles(root: string, options: LogCodeOptions): { path: string; rel: string }[] {
  const base = resolve(root)
  const out: { path: string; rel: string }[] = []
  const walk = (dir: string) => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= MAX_CODE_FILES) return
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path)
        continue
      }
      if (!entry.isFile()) continue
      const rel = relative(base, path).split(sep).join('/')
      const included = options.include === undefined ? SOURCE.test(rel) : test(options.include, path, base)
      if (included && !(options.exclude !== undefined && test(options.exclude, path, base))) {
        out.push({ path, rel })
      }
    }
  }
  walk(base)
  return out
}
