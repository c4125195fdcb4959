import { API_PREFIX, encodeFileName, StemmaError } from '@stemma/core'
import type { RunDto } from '@stemma/core'
import type { HistoryRows, RunRef } from '@stemma/store'
import { iso } from '../../services/dto.js'
import { listFiles } from '../../services/files.js'
import { MAX_LOG_LIMIT, readConsole, readHistory, readKeys, readSystem } from '../../services/reads.js'
import { servedType } from '../../files/file-types.js'
import { parseJsonObject, stringifyExtendedJson } from './extended-json.js'
import { normalizeFileName } from './run-files.js'
import type { GraphqlContext } from './run-object.js'
import { opaqueId } from './run-object.js'

/** `run.history()` asks for 500 rows unless told otherwise. */
const DEFAULT_SAMPLES = 500
const MAX_SAMPLES = 100_000
const MAX_FILES_PAGE = 1000
const MAX_LOG_PAGE = 10_000

/** The public API's reads of one run: history, system samples, keys and files. */
export function runReads(g: GraphqlContext, run: RunDto) {
  const ref: RunRef = { entity: run.entity, project: run.project, runId: run.id }
  const target = { ref, archive: null }
  return {
    commit: (run.metadata.git as { commit?: string } | undefined)?.commit ?? null,
    host: typeof run.metadata.host === 'string' ? run.metadata.host : null,
    user: { name: run.entity, username: run.entity },

    systemMetrics: async () => {
      const [latest] = (await readSystem(g.ctx, g.viewer, target, 1)).samples
      return JSON.stringify(latest?.values ?? {})
    },

    historyKeys: async () => {
      const { keys } = await readKeys(g.ctx, g.viewer, target)
      const out: Record<string, unknown> = {}
      for (const key of keys) {
        const previousValue = key.kind === 'scalar' ? key.last : run.summary[key.key]
        out[key.key] = {
          typeCounts: [{ type: key.kind === 'scalar' ? 'number' : 'object', count: key.count }],
          previousValue: previousValue ?? null,
        }
      }
      return { lastStep: run.lastStep ?? -1, keys: out }
    },

    history: async (args: { samples?: number | null; minStep?: number | null; maxStep?: number | null }) => {
      const samples = bounded(args.samples ?? DEFAULT_SAMPLES)
      const paged = args.minStep !== undefined && args.minStep !== null
      // A page: W&B's maxStep is exclusive here.
      const maxStep = args.maxStep === null || args.maxStep === undefined ? undefined : args.maxStep - 1
      const rows = await readRows(g, target, undefined, args.minStep, maxStep, paged ? samples : undefined)
      return (paged ? rows : sample(rows, samples)).map((row) => stringifyExtendedJson(row))
    },

    events: async ({ samples }: { samples?: number | null }) => {
      const all = (await readSystem(g.ctx, g.viewer, target, 100_000)).samples
      const created = Date.parse(run.createdAt)
      const lines = all.map((s) => ({
        _timestamp: s.t / 1000,
        _runtime: (s.t - created) / 1000,
        ...s.values,
      }))
      return sample(lines, bounded(samples ?? DEFAULT_SAMPLES)).map((l) => stringifyExtendedJson(l))
    },

    sampledHistory: async ({ specs }: { specs: string[] }) =>
      Promise.all(
        specs.map(async (text) => {
          const spec = parseSpec(text)
          // A spec with a step range is a page of a scan: the first `samples` rows from minStep to
          // maxStep, which wandb-core sends inclusive and older clients as the next page's start,
          // so taking the first rows serves both. Without a range, rows are sampled evenly.
          const paged = spec.minStep !== undefined
          const limit = paged ? spec.samples : undefined
          const rows = await readRows(g, target, spec.keys, spec.minStep, spec.maxStep, limit)
          const wanted = new Set(spec.keys)
          const picked = rows.flatMap((row) => {
            const kept = Object.fromEntries(
              Object.entries(row).filter(([k]) => k === '_step' || wanted.has(k)),
            )
            // A row without any of the keys asked for says nothing about them.
            return Object.keys(kept).length > 1 || wanted.size === 0 ? [kept] : []
          })
          return paged ? picked : sample(picked, spec.samples)
        }),
      ),

    parquetHistory: () => ({ parquetUrls: [], liveData: [] }),

    logLines: async (args: { first?: number | null; last?: number | null; after?: string | null }) => {
      const { lines } = await readConsole(g.ctx, g.viewer, target, MAX_LOG_LIMIT)
      const tail = args.last !== null && args.last !== undefined
      const start = tail ? Math.max(0, lines.length - Math.max(args.last!, 0)) : offsetOf(args.after)
      const count = tail
        ? lines.length - start
        : Math.min(Math.max(args.first ?? MAX_LOG_PAGE, 1), MAX_LOG_PAGE)
      const page = lines.slice(start, start + count)
      const end = start + page.length
      return {
        edges: page.map((line, i) => ({
          node: {
            number: start + i,
            timestamp: new Date(line.t).toISOString(),
            level: line.stream === 'stderr' ? 'error' : '',
            label: '',
            line: line.line,
          },
          cursor: cursorOf(start + i + 1),
        })),
        pageInfo: { endCursor: page.length > 0 ? cursorOf(end) : null, hasNextPage: end < lines.length },
      }
    },

    fileCount: async () => (await listFiles(g.ctx, g.viewer, target)).files.length,

    files: async (args: {
      names?: (string | null)[] | null
      after?: string | null
      first?: number | null
      pattern?: string | null
    }) => {
      let files = (await listFiles(g.ctx, g.viewer, target)).files
      const names = (args.names ?? [])
        .filter((n): n is string => typeof n === 'string')
        .map(normalizeFileName)
      if (names.length > 0) files = files.filter((f) => names.includes(f.name))
      if (args.pattern) {
        const like = likePattern(args.pattern)
        files = files.filter((f) => like.test(f.name))
      }
      const offset = offsetOf(args.after)
      const first = Math.min(Math.max(args.first ?? 50, 1), MAX_FILES_PAGE)
      const page = files.slice(offset, offset + first)
      const base = `${g.ctx.publicUrl().replace(/\/+$/, '')}${API_PREFIX}/runs/${ref.entity}/${ref.project}/${encodeURIComponent(ref.runId)}/files`
      return {
        edges: page.map((file, i) => {
          const url = `${base}/${encodeFileName(file.name)}`
          return {
            node: {
              id: opaqueId('File', `${ref.entity}/${ref.project}/${ref.runId}/${file.name}`),
              name: file.name,
              displayName: file.name,
              url,
              directUrl: url,
              sizeBytes: file.size,
              mimetype: servedType(file.name).contentType,
              updatedAt: iso(file.updatedAt),
              md5: null,
              digest: file.sha256,
            },
            cursor: cursorOf(offset + i + 1),
          }
        }),
        pageInfo: {
          endCursor: page.length > 0 ? cursorOf(offset + page.length) : null,
          hasNextPage: offset + page.length < files.length,
        },
      }
    },
  }
}

/**
 * Rows as the client logged them, keys flat: `_step`, `_runtime`, `_timestamp`, then its keys;
 * `maxStep` inclusive, as stemma's reads take it.
 */
async function readRows(
  g: GraphqlContext,
  target: { ref: RunRef; archive: null },
  keys: string[] | undefined,
  minStep: number | null | undefined,
  maxStep: number | null | undefined,
  limit?: number,
): Promise<Record<string, unknown>[]> {
  const history: HistoryRows = await readHistory(g.ctx, g.viewer, target, {
    ...(keys && { keys: keys.filter((k) => !k.startsWith('_')) }),
    ...(minStep !== null && minStep !== undefined && { minStep }),
    ...(maxStep !== null && maxStep !== undefined && { maxStep }),
    ...(limit !== undefined && { limit }),
  }).then((h) => ({ ...h, columns: decodeColumns(h.columns) }))
  const rows = history.steps.map((step, i) => {
    const row: Record<string, unknown> = {
      _step: step,
      _runtime: history.runtime[i],
      _timestamp: history.timestamp[i],
    }
    for (const [key, column] of Object.entries(history.columns)) {
      if (column[i] !== null && column[i] !== undefined) row[key] = column[i]
    }
    return row
  })
  const index = new Map(history.steps.map((s, i) => [s, i]))
  for (const v of history.values) {
    const i = index.get(v.step)
    if (i !== undefined) rows[i]![v.key] = v.value
  }
  return rows
}

function decodeColumns(columns: Record<string, unknown[]>): Record<string, (number | null)[]> {
  const out: Record<string, (number | null)[]> = {}
  for (const [key, column] of Object.entries(columns)) {
    out[key] = column.map((v) => (v === null ? null : typeof v === 'number' ? v : Number(v)))
  }
  return out
}

/** Positions in a list the client pages through, opaque to it. */
function cursorOf(position: number): string {
  return Buffer.from(String(position)).toString('base64url')
}

function offsetOf(cursor: string | null | undefined): number {
  if (!cursor) return 0
  const position = Number(Buffer.from(cursor, 'base64url').toString())
  return Number.isSafeInteger(position) && position >= 0 ? position : 0
}

/** At most `n` items, evenly spread and always with the first and the last. */
function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items
  if (n <= 1) return items.slice(-1)
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(items[Math.round((i * (items.length - 1)) / (n - 1))]!)
  return out
}

function bounded(samples: number): number {
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES) {
    throw new StemmaError('VALIDATION_FAILED', `samples must be an integer from 1 to ${MAX_SAMPLES}.`)
  }
  return samples
}

interface HistorySpec {
  keys: string[]
  samples: number
  minStep?: number
  maxStep?: number
}

function parseSpec(text: string): HistorySpec {
  const spec = parseJsonObject(text, 'A sampledHistory spec')
  if (!Array.isArray(spec.keys) || !spec.keys.every((k) => typeof k === 'string')) {
    throw new StemmaError('VALIDATION_FAILED', 'A sampledHistory spec needs keys, a list of names.')
  }
  const step = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined)
  const minStep = step(spec.minStep)
  const maxStep = step(spec.maxStep)
  return {
    keys: spec.keys as string[],
    samples: bounded(typeof spec.samples === 'number' ? spec.samples : DEFAULT_SAMPLES),
    ...(minStep !== undefined && { minStep }),
    ...(maxStep !== undefined && { maxStep }),
  }
}

/** SQL LIKE (`%` any run, `_` one character), as W&B's file pattern is. */
function likePattern(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}$`, 's')
}
