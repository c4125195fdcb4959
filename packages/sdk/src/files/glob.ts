import { readdirSync, statSync, type Dirent } from 'node:fs'
import { isAbsolute, join, resolve, sep } from 'node:path'

/**
 * Unix globs as `run.save` takes them: `*` and `?` within one path segment, `[abc]` classes, and
 * `**` for any number of directories. Expanded once, when called (new files are not picked up
 * later, as in W&B). Hidden files match only a pattern segment that starts with a dot.
 */
export function isGlob(segment: string): boolean {
  return /[*?[]/.test(segment)
}

/** The leading directory of a pattern that has no glob character: where expansion starts. */
export function literalPrefix(pattern: string, cwd: string): string {
  const absolute = isAbsolute(pattern) ? pattern : resolve(cwd, pattern)
  const parts = absolute.split(sep)
  const firstGlob = parts.findIndex(isGlob)
  if (firstGlob === -1) return absolute
  return parts.slice(0, firstGlob).join(sep) || sep
}

/** A regular expression for one segment: `*` → `[^/]*`, `?` → `[^/]`, `[…]` kept. */
export function segmentRegExp(segment: string): RegExp {
  let source = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!
    if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2)
      if (close === -1) source += '\\['
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')
        source += `[${body}]`
        i = close
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Regular files matching `pattern` (absolute, or relative to `cwd`), as sorted absolute paths. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const absolute = isAbsolute(pattern) ? pattern : resolve(cwd, pattern)
  const parts = absolute.split(sep)
  const firstGlob = parts.findIndex(isGlob)
  if (firstGlob === -1) return isFile(absolute) ? [absolute] : []
  const base = parts.slice(0, firstGlob).join(sep) || sep
  const found = new Set<string>()
  walk(base, parts.slice(firstGlob), found)
  return [...found].sort()
}

function walk(dir: string, rest: string[], found: Set<string>): void {
  const [head, ...tail] = rest
  if (head === undefined) return
  if (head === '**') {
    // `**` matches zero directories here, or one more below and still `**`.
    walk(dir, tail, found)
    for (const entry of entries(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) walk(join(dir, entry.name), rest, found)
    }
    return
  }
  if (!isGlob(head)) {
    const path = join(dir, head)
    if (tail.length === 0) {
      if (isFile(path)) found.add(path)
    } else walk(path, tail, found)
    return
  }
  const re = segmentRegExp(head)
  for (const entry of entries(dir)) {
    if (entry.name.startsWith('.') && !head.startsWith('.')) continue
    if (!re.test(entry.name)) continue
    const path = join(dir, entry.name)
    if (tail.length === 0) {
      if (isFile(path)) found.add(path)
    } else if (isDirectoryEntry(entry, path)) walk(path, tail, found)
  }
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
}

function isDirectoryEntry(entry: Dirent, path: string): boolean {
  if (entry.isDirectory()) return true
  if (!entry.isSymbolicLink()) return false
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** A regular file, following symbolic links. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
