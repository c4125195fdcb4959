/**
 * One error type for the whole system. Adapters (REST, CLI, SDK) map `code` to their own
 * surface in exactly one place; nothing else inspects messages.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  INVALID_RUN_ID: 422,
  INVALID_STEP: 422,
  INVALID_LINEAGE_SPEC: 422,
  CONFIG_VALUE_CHANGED: 409,
  STEP_NOT_MONOTONIC: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RUN_NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  RUN_EXISTS: 409,
  RUN_ARCHIVED: 409,
  RUN_HAS_FORKS: 409,
  SEQUENCE_GAP: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  /** The server's disk (or database) is full: nothing was stored; retry once space is freed. */
  INSUFFICIENT_STORAGE: 507,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export class StemmaError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'StemmaError'
    this.code = code
    this.details = details
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

export function isStemmaError(err: unknown): err is StemmaError {
  return err instanceof StemmaError
}

/** The JSON shape every failed REST call returns. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code)
}
