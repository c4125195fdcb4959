import { RUN_STATES } from '@stemma/core'
import type { JsonSchema } from './registry.js'

/**
 * Response shapes for the OpenAPI document (the TypeScript source of truth is core's wire.ts).
 * They document; they do not serialize, so NaN/±Infinity handling stays in one wire serializer.
 */
export const ref = (name: keyof typeof COMPONENTS): JsonSchema => ({ $ref: `#/components/schemas/${name}` })

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] })
const wireNumber: JsonSchema = { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] }
const numbers: JsonSchema = { type: 'array', items: { type: 'number' } }
const wireNumbers: JsonSchema = { type: 'array', items: wireNumber }
const isoTime: JsonSchema = { type: 'string', format: 'date-time' }
const forkedFrom: JsonSchema = {
  type: 'object',
  properties: { runId: { type: 'string' }, step: { type: 'integer' } },
}
const rewind: JsonSchema = {
  type: 'object',
  properties: {
    archiveIndex: { type: 'integer' },
    step: { type: 'integer' },
    at: isoTime,
    lastStep: nullable({ type: 'integer' }),
  },
}

export const COMPONENTS = {
  ErrorBody: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
      },
    },
  },
  RunDto: {
    type: 'object',
    properties: {
      entity: { type: 'string' },
      project: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      notes: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      group: nullable({ type: 'string' }),
      jobType: nullable({ type: 'string' }),
      state: { enum: [...RUN_STATES] },
      exitCode: nullable({ type: 'integer' }),
      createdAt: isoTime,
      heartbeatAt: isoTime,
      finishedAt: nullable(isoTime),
      heartbeatTimeoutS: { type: 'number' },
      config: { type: 'object' },
      summary: { type: 'object' },
      metadata: { type: 'object' },
      metrics: { type: 'array', items: { type: 'object' } },
      lastStep: nullable({ type: 'integer' }),
      rejectedCount: { type: 'integer' },
      forkedFrom: nullable(forkedFrom),
      archived: { type: 'boolean' },
      stopRequested: { type: 'boolean' },
      url: { type: 'string' },
    },
  },
  InitResponse: {
    type: 'object',
    properties: {
      run: { $ref: '#/components/schemas/RunDto' },
      startingStep: { type: 'integer' },
      resumed: { type: 'boolean' },
    },
  },
  RunListResponse: {
    type: 'object',
    properties: {
      runs: { type: 'array', items: { $ref: '#/components/schemas/RunDto' } },
      total: { type: 'integer' },
      nextCursor: nullable({ type: 'string' }),
    },
  },
  IngestResponse: {
    type: 'object',
    properties: {
      committedSeq: { type: 'integer' },
      duplicate: { type: 'boolean' },
      control: { type: 'object', properties: { stopRequested: { type: 'boolean' } } },
    },
  },
  HeartbeatResponse: {
    type: 'object',
    properties: {
      control: { type: 'object', properties: { stopRequested: { type: 'boolean' } } },
      state: { enum: [...RUN_STATES] },
    },
  },
  HistoryResponse: {
    type: 'object',
    properties: {
      steps: numbers,
      runtime: numbers,
      timestamp: numbers,
      columns: { type: 'object', additionalProperties: { type: 'array', items: nullable(wireNumber) } },
      values: { type: 'array', items: { type: 'object' } },
      sourceRunIds: { type: 'array', items: { type: 'string' } },
    },
  },
  BucketsResponse: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      minStep: { type: 'integer' },
      maxStep: { type: 'integer' },
      buckets: { type: 'integer' },
      data: {
        type: 'object',
        properties: {
          step: numbers,
          lastStep: numbers,
          count: numbers,
          first: wireNumbers,
          min: wireNumbers,
          max: wireNumbers,
          last: wireNumbers,
        },
      },
    },
  },
  KeysResponse: {
    type: 'object',
    properties: {
      keys: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            key: { type: 'string' },
            kind: { enum: ['scalar', 'value'] },
            count: { type: 'integer' },
            last: { description: 'A scalar key’s latest value (NaN and ±Infinity as strings)' },
          },
        },
      },
    },
  },
  RejectedResponse: {
    type: 'object',
    properties: { rows: { type: 'array', items: { type: 'object' } }, total: { type: 'integer' } },
  },
  ConsoleResponse: { type: 'object', properties: { lines: { type: 'array', items: { type: 'object' } } } },
  SystemResponse: { type: 'object', properties: { samples: { type: 'array', items: { type: 'object' } } } },
  RunFile: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      size: { type: 'integer' },
      sha256: { type: 'string' },
      updatedAt: { type: 'number' },
    },
  },
  FileList: {
    type: 'object',
    properties: { files: { type: 'array', items: { $ref: '#/components/schemas/RunFile' } } },
  },
  AlertsResponse: {
    type: 'object',
    properties: {
      alerts: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            t: { type: 'number' },
            title: { type: 'string' },
            text: { type: 'string' },
            level: { enum: ['INFO', 'WARN', 'ERROR'] },
          },
        },
      },
    },
  },
  LineageResponse: {
    type: 'object',
    properties: {
      parent: nullable(forkedFrom),
      children: { type: 'array', items: { type: 'object' } },
      rewinds: { type: 'array', items: rewind },
      segments: {
        type: 'array',
        description: 'The view in step order: which run produced each step range.',
        items: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            fromStep: { type: 'integer' },
            toStep: nullable({ type: 'integer' }),
          },
        },
      },
    },
  },
  ArchivesResponse: {
    type: 'object',
    properties: { runs: { type: 'array', items: { $ref: '#/components/schemas/RunDto' } } },
  },
  RunTreeResponse: {
    type: 'object',
    properties: {
      entity: { type: 'string' },
      project: { type: 'string' },
      roots: { type: 'array', items: { $ref: '#/components/schemas/RunTreeNode' } },
    },
  },
  RunTreeNode: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      state: { enum: [...RUN_STATES] },
      createdAt: isoTime,
      lastStep: nullable({ type: 'integer' }),
      forkedFrom: nullable(forkedFrom),
      rewinds: { type: 'array', items: rewind },
      children: { type: 'array', items: { $ref: '#/components/schemas/RunTreeNode' } },
    },
  },
  ViewerResponse: {
    type: 'object',
    properties: { username: { type: 'string' }, entity: { type: 'string' }, isAdmin: { type: 'boolean' } },
  },
  SessionResponse: {
    type: 'object',
    properties: {
      username: { type: 'string' },
      entity: { type: 'string' },
      isAdmin: { type: 'boolean' },
      csrfToken: {
        ...nullable({ type: 'string' }),
        description:
          'Send as the x-csrf-token header on cookie-signed-in requests other than GET/HEAD/OPTIONS.',
      },
    },
  },
  ProjectListResponse: {
    type: 'object',
    properties: {
      entity: { type: 'string' },
      projects: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            runCount: { type: 'integer' },
            lastActivityAt: isoTime,
            createdAt: isoTime,
          },
        },
      },
    },
  },
  OpenApiDocument: { type: 'object' },
} satisfies Record<string, JsonSchema>
