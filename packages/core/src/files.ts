import { StemmaError } from './errors.js'

/** A run file as the API lists it. */
export interface RunFile {
  /** Relative path inside the run, `/`-separated: `checkpoints/model.pt`. */
  name: string
  size: number
  /** Lowercase hex SHA-256 of the content; the same content is stored once however many runs save it. */
  sha256: string
  /** Unix ms of the last upload. */
  updatedAt: number
}

export interface RunFileList {
  files: RunFile[]
}

/** Longest run file name, in UTF-16 code units (as the OpenAPI pattern counts). */
export const MAX_FILE_NAME_LENGTH = 1024

/**
 * The rule a run file name follows, as one regular expression both the server's validator and the
 * OpenAPI document use: relative, `/`-separated, no empty, `.` or `..` segment, no backslash, no NUL
 * or other control character, no leading or trailing slash.
 */
export const FILE_NAME_PATTERN =
  '^(?!/)(?!.*//)(?!.*/$)(?!(?:.*/)?\\.\\.?(?:/|$))[^\\\\\\u0000-\\u001f\\u007f]{1,1024}$'

const FILE_NAME = new RegExp(FILE_NAME_PATTERN, 'u')

/** Why `name` is not a valid run file name, or undefined when it is. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty'
  if (name.length > MAX_FILE_NAME_LENGTH) return `is longer than ${MAX_FILE_NAME_LENGTH} characters`
  if (FILE_NAME.test(name)) return undefined
  if (name.startsWith('/')) return 'is absolute (starts with /)'
  if (name.includes('\\')) return 'contains a backslash'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character'
  if (name.split('/').some((part) => part === '..' || part === '.')) return 'has a . or .. segment'
  return 'has an empty segment'
}

/** Throws VALIDATION_FAILED when `name` is not a valid run file name; the name is not echoed whole. */
export function assertFileName(name: string): void {
  const problem = fileNameProblem(name)
  if (problem === undefined) return
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name
  throw new StemmaError('VALIDATION_FAILED', `The file name ${JSON.stringify(shown)} ${problem}.`)
}

/**
 * How a name is sent in a URL: each segment percent-encoded, `/` as `%2F`, so the whole name
 * is one path parameter.
 */
export function encodeFileName(name: string): string {
  return encodeURIComponent(name)
}
