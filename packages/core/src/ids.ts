import { StemmaError } from './errors.js'

declare const runIdBrand: unique symbol
/** A run's user-visible id, unique within its project. */
export type RunId = string & { readonly [runIdBrand]: true }

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const FORBIDDEN_CHARS = /[:;,#?/'\\\u0000-\u001f]/
export const MAX_RUN_ID_LENGTH = 128

/** Eight characters of [a-z0-9], as W&B generates them. `random` returns a float in [0, 1). */
export function generateRunId(random: () => number): RunId {
  let id = ''
  for (let i = 0; i < 8; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)]
  return id as RunId
}

/** Throws INVALID_RUN_ID with a message that says what to change. */
export function parseRunId(value: unknown): RunId {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StemmaError('INVALID_RUN_ID', 'Run id must be a non-empty string.')
  }
  if (value.trim() !== value) {
    throw new StemmaError('INVALID_RUN_ID', `Run id ${JSON.stringify(value)} has surrounding whitespace.`)
  }
  if (value.length > MAX_RUN_ID_LENGTH) {
    throw new StemmaError('INVALID_RUN_ID', `Run id is longer than ${MAX_RUN_ID_LENGTH} characters.`)
  }
  const bad = FORBIDDEN_CHARS.exec(value)
  if (bad) {
    throw new StemmaError(
      'INVALID_RUN_ID',
      `Run id ${JSON.stringify(value)} contains ${JSON.stringify(bad[0])}; ids may not contain : ; , # ? / ' \\ or control characters.`,
    )
  }
  return value as RunId
}

/** The entity and project name rule, as a regular-expression source for schemas. */
export const NAME_PATTERN_SOURCE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'
const NAME_PATTERN = new RegExp(NAME_PATTERN_SOURCE)

/**
 * The run id rule of `parseRunId` as one regular-expression source, for schemas (OpenAPI, JSON
 * Schema): no surrounding whitespace, none of `: ; , # ? / ' \` or control characters.
 */
export const RUN_ID_PATTERN_SOURCE = String.raw`^(?!\s)[^:;,#?/'\\\u0000-\u001f]+(?<!\s)$`

/** Entity and project names appear in URLs, so they keep to a URL-safe alphabet. */
export function parseEntityOrProject(kind: 'entity' | 'project', value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `${kind} must be 1–128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(value)}.`,
    )
  }
  return value
}

export interface RunPath {
  entity: string
  project: string
  runId: RunId
}

/** Parses `entity/project/runId`. */
export function parseRunPath(path: string): RunPath {
  const parts = path.split('/')
  if (parts.length !== 3) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `Run path must look like entity/project/runId; got ${JSON.stringify(path)}.`,
    )
  }
  const [entity, project, runId] = parts as [string, string, string]
  return {
    entity: parseEntityOrProject('entity', entity),
    project: parseEntityOrProject('project', project),
    runId: parseRunId(runId),
  }
}
