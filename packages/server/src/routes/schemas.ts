import {
  ALERT_LEVELS,
  MAX_RUN_ID_LENGTH,
  NAME_PATTERN_SOURCE,
  RUN_ID_PATTERN_SOURCE,
  SUMMARY_AGGREGATIONS,
} from '@stemma/core'
import { MAX_BUCKET_COUNT, MAX_HISTORY_LIMIT, MAX_LOG_LIMIT } from '../services/reads.js'
import { MAX_LIST_LIMIT, MAX_LIST_OFFSET } from '../services/runs.js'
import { integerPattern } from './integer-pattern.js'
import type { JsonSchema } from './registry.js'

/** An alert's title and text, as Slack-style webhooks and the run page show them. */
const ALERT_TITLE_MAX = 256
const ALERT_TEXT_MAX = 16_384

/*
 * Request schemas. Bodies are validated without type coercion and with unknown properties
 * refused, so a client bug surfaces as a 422 naming the field instead of silently dropped data.
 * Query strings stay strings here; routes parse numbers with clear messages (see query.ts).
 */

const NON_FINITE = { enum: ['NaN', 'Infinity', '-Infinity'] }
const str = (maxLength: number, minLength = 0): JsonSchema => ({ type: 'string', minLength, maxLength })
const object: JsonSchema = { type: 'object' }
const nonNegativeInt: JsonSchema = { type: 'integer', minimum: 0 }
const digits: JsonSchema = { type: 'string', pattern: '^[0-9]{1,15}$' }
/**
 * The longest text a query parameter may carry: percent-encoded (up to 12 bytes a character), a
 * request line with it must fit the server's header limit (`MAX_HEADER_BYTES`), or Node answers
 * 431 before any route sees it.
 */
const QUERY_TEXT_MAX = 4096
/** A count from 1 to `max`, as query text. */
const count = (max: number): JsonSchema => ({ type: 'string', pattern: integerPattern(1, max) })

/** Entity and project names, as core's `parseEntityOrProject` accepts them. */
const name: JsonSchema = { ...str(128, 1), pattern: NAME_PATTERN_SOURCE }
/** Run ids, as core's `parseRunId` accepts them. */
const runId: JsonSchema = { ...str(MAX_RUN_ID_LENGTH, 1), pattern: RUN_ID_PATTERN_SOURCE }

export const entityParams: JsonSchema = {
  type: 'object',
  required: ['entity'],
  properties: { entity: name },
}

export const projectParams: JsonSchema = {
  type: 'object',
  required: ['entity', 'project'],
  properties: { entity: name, project: name },
}

export const runParams: JsonSchema = {
  type: 'object',
  required: ['entity', 'project', 'runId'],
  properties: { entity: name, project: name, runId },
}

const archive: JsonSchema = {
  // As many digits as the server reads as an index (services/targets.ts).
  type: 'string',
  pattern: '^[0-9]{1,9}$',
  description: 'Read an archived (pre-rewind) state: its index in /archives.',
}

export const archiveQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { archive },
}

export const limitQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { archive, limit: count(MAX_LOG_LIMIT) },
}

export const listQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    filter: { ...str(QUERY_TEXT_MAX), description: 'JSON run filter, MongoDB-style: {"state":"finished"}.' },
    order: {
      type: 'string',
      pattern: '^-?[A-Za-z_][A-Za-z0-9_./-]{0,255}$',
      description: '`-createdAt`, `summary.loss`.',
    },
    limit: count(MAX_LIST_LIMIT),
    cursor: str(512, 1),
    offset: {
      type: 'string',
      pattern: integerPattern(0, MAX_LIST_OFFSET),
      description: 'Rows to skip, for jumping into a long list (a virtual table); ignored with `cursor`.',
    },
  },
}

export const historyQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keys: { ...str(QUERY_TEXT_MAX), description: 'Comma-separated metric keys; all keys when absent.' },
    minStep: digits,
    maxStep: digits,
    limit: count(MAX_HISTORY_LIMIT),
    archive,
  },
}

export const bucketsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: {
    key: str(4096, 1),
    minStep: digits,
    maxStep: digits,
    buckets: count(MAX_BUCKET_COUNT),
    archive,
  },
}

const metricDefinition: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: str(4096, 1),
    stepMetric: str(4096, 1),
    stepSync: { type: 'boolean' },
    hidden: { type: 'boolean' },
    summary: { type: 'array', items: { enum: [...SUMMARY_AGGREGATIONS] } },
    goal: { enum: ['minimize', 'maximize'] },
  },
}

/** Init fields that exclude each other, in the order of `initBody.allOf`. */
export const EXCLUSIVE_INIT_FIELDS = [
  ['forkFrom', 'resumeFrom'],
  ['forkFrom', 'resume'],
  ['resumeFrom', 'resume'],
] as const

export const initBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['project'],
  properties: {
    entity: name,
    project: name,
    id: runId,
    name: str(1024, 1),
    notes: str(100_000),
    tags: { type: 'array', maxItems: 1000, items: str(1024, 1) },
    group: str(1024),
    jobType: str(1024),
    config: object,
    metadata: object,
    resume: { enum: ['allow', 'must', 'never'] },
    forkFrom: str(512, 1),
    resumeFrom: str(512, 1),
    heartbeatTimeoutS: { type: 'number', minimum: 10, maximum: 86_400 },
  },
  // A fork, a rewind and a resume are different inits: at most one of these per request.
  allOf: EXCLUSIVE_INIT_FIELDS.map((pair) => ({ not: { required: [...pair] } })),
}

/** As long as the guard reads a key from a header, so no key works in one place only. */
export const sessionBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiKey'],
  properties: { apiKey: str(512, 1) },
}

export const patchBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: str(1024, 1),
    notes: str(100_000),
    tags: { type: 'array', maxItems: 1000, items: str(1024, 1) },
    group: { anyOf: [str(1024), { type: 'null' }] },
    jobType: { anyOf: [str(1024), { type: 'null' }] },
  },
}

export const batchBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['writerId', 'seq'],
  properties: {
    writerId: str(128, 1),
    seq: { type: 'integer', minimum: 1 },
    history: {
      type: 'object',
      additionalProperties: false,
      required: ['steps', 'runtime', 'timestamp', 'columns'],
      properties: {
        steps: { type: 'array', items: nonNegativeInt },
        runtime: { type: 'array', items: { type: 'number' } },
        timestamp: { type: 'array', items: { type: 'number' } },
        columns: {
          type: 'object',
          propertyNames: str(4096, 1),
          additionalProperties: {
            type: 'array',
            // Finite numbers first: they are nearly every cell, so anyOf stops at the first branch.
            items: { anyOf: [{ type: 'number' }, { type: 'null' }, NON_FINITE] },
          },
        },
      },
    },
    values: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['step', 'key', 'value'],
        properties: { step: nonNegativeInt, key: str(4096, 1), value: {} },
      },
    },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['attemptedStep', 'currentStep', 'keys', 'timestamp'],
        properties: {
          attemptedStep: nonNegativeInt,
          currentStep: nonNegativeInt,
          keys: { type: 'array', items: str(4096) },
          timestamp: { type: 'number' },
        },
      },
    },
    config: object,
    summary: object,
    metrics: { type: 'array', items: metricDefinition },
    metadata: object,
    console: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['t', 'stream', 'line'],
        properties: {
          t: { type: 'number' },
          stream: { enum: ['stdout', 'stderr'] },
          line: { type: 'string' },
          step: nonNegativeInt,
        },
      },
    },
    alerts: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['t', 'title', 'text', 'level'],
        properties: {
          t: { type: 'number' },
          title: str(ALERT_TITLE_MAX, 1),
          text: str(ALERT_TEXT_MAX),
          level: { enum: [...ALERT_LEVELS] },
        },
      },
    },
    system: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['t', 'values'],
        properties: {
          t: { type: 'number' },
          values: { type: 'object', additionalProperties: { type: 'number' } },
        },
      },
    },
    exit: {
      type: 'object',
      additionalProperties: false,
      required: ['state', 'exitCode'],
      properties: { state: { enum: ['finished', 'failed', 'killed'] }, exitCode: { type: 'integer' } },
    },
    preempting: { type: 'boolean' },
  },
}
