import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { assertFileName, StemmaError } from '@stemma/core'
import { literalPrefix } from './glob.js'

/**
 * The name a matched file gets in the run, by seed 004's rules for `run.save`:
 * - with `basePath`, the path below it (`save('these/are/*', { basePath: 'these' })` → `are/…`);
 * - a relative glob keeps the path from the working directory (`these/are/myfiles/x`);
 * - an absolute glob keeps the directory the matches are in (`/User/me/run123/*.txt` → `run123/x.txt`).
 */
export function savedName(file: string, pattern: string, cwd: string, basePath?: string): string {
  let rel: string
  if (basePath !== undefined) {
    rel = relative(resolve(cwd, basePath), file)
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new StemmaError(
        'VALIDATION_FAILED',
        `basePath ${JSON.stringify(basePath)} must be a directory above the saved files (a prefix of the glob).`,
      )
    }
  } else {
    const fromCwd = relative(cwd, file)
    if (!isAbsolute(pattern) && !fromCwd.startsWith('..') && !isAbsolute(fromCwd)) rel = fromCwd
    else {
      const prefix = literalPrefix(pattern, cwd)
      // A plain file path is its own prefix: keep the directory it is in.
      const matchDir = prefix === file ? dirname(file) : prefix
      rel = relative(dirname(matchDir), file)
    }
  }
  const name = rel.split(sep).join('/')
  assertFileName(name)
  return name
}
