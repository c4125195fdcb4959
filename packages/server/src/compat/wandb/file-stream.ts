import {
  encodeNumber,
  isPlainObject,
  isScalar,
  scalarToNumber,
  StemmaError,
  type ColumnarHistory,
  type ConsoleLine,
  type SystemSample,
  type TerminalState,
  type WireNumber,
} from '@stemma/core'
import type { PositionedContent, RowValue } from '../../services/positioned.js'
import { parseExtendedJson } from './extended-json.js'
import { scanFlatLine } from './flat-line.js'
import { flattenWandb, flattenWandbSummary } from './keys.js'

/** One file's part of a request: consecutive lines from `offset` (a 0-based line number). */
export interface FileStreamPart {
  offset: number
  content: string[]
}

/** `POST /files/{entity}/{project}/{run}/file_stream`, as wandb-core and the npm client send it. */
export interface FileStreamBody {
  files?: Record<string, FileStreamPart>
  uploaded?: string[]
  complete?: boolean
  exitcode?: number | null
  preempting?: boolean
}

export const HISTORY_FILE = 'wandb-history.jsonl'
export const EVENTS_FILE = 'wandb-events.jsonl'
export const SUMMARY_FILE = 'wandb-summary.json'
export const OUTPUT_FILE = 'output.log'

/** The client drops longer lines itself (10 MiB less 100 KiB); a longer one was not sent by it. */
export const MAX_LINE_CHARS = 10 * 1024 * 1024 - 100 * 1024
/** wandb-core sends an exit code of 255 for a KeyboardInterrupt, its way of ending a stopped run. */
const INTERRUPTED_EXIT_CODE = 255

const RESERVED = new Set(['_step', '_runtime', '_timestamp'])

/**
 * Translates one request into positioned content: every line is parsed and checked first, so a
 * request with one bad line is refused whole. `nowMs` stamps lines that carry no time.
 */
export function translateFileStream(body: FileStreamBody, nowMs: number): PositionedContent {
  const files = body.files ?? {}
  const content: PositionedContent = {}
  const history = files[HISTORY_FILE]
  if (history && history.content.length > 0) content.history = historyPart(history, nowMs)
  const events = files[EVENTS_FILE]
  if (events && events.content.length > 0) {
    content.events = {
      offset: events.offset,
      samples: objects(EVENTS_FILE, events).map((o) => systemSample(o, nowMs)),
    }
  }
  const output = files[OUTPUT_FILE]
  if (output && output.content.length > 0) {
    checkLengths(OUTPUT_FILE, output)
    content.console = { offset: output.offset, lines: output.content.map((l) => consoleLine(l, nowMs)) }
  }
  const summary = files[SUMMARY_FILE]
  if (summary && summary.content.length > 0) {
    // Each line is the whole summary; the last one is the newest.
    const all = objects(SUMMARY_FILE, summary)
    const { _wandb: _, ...rest } = all[all.length - 1]!
    // Flat, as history keys are, so it compares with the summary stemma computes.
    content.summary = flattenWandbSummary(rest)
  }
  if (body.preempting === true) content.preempting = true
  if (body.complete === true) content.exit = { exitCode: body.exitcode ?? 0, stateOf: exitState }
  return content
}

/** W&B's states: a stop (or a Ctrl-C, which is how a stop reaches the script) ends `killed`. */
export function exitState(exitCode: number, stopRequested: boolean): TerminalState {
  if (stopRequested || exitCode === INTERRUPTED_EXIT_CODE) return 'killed'
  return exitCode === 0 ? 'finished' : 'failed'
}

function historyPart(part: FileStreamPart, nowMs: number): NonNullable<PositionedContent['history']> {
  checkLengths(HISTORY_FILE, part)
  const n = part.content.length
  const history: ColumnarHistory = { steps: [], runtime: [], timestamp: [], columns: {} }
  const columns: Record<string, (WireNumber | null)[]> = Object.create(null)
  const values: RowValue[] = []
  const set = (i: number, key: string, value: unknown) => {
    if (RESERVED.has(key) || value === null) return
    if (isScalar(value)) {
      const column = (columns[key] ??= new Array<WireNumber | null>(n).fill(null))
      column[i] = encodeNumber(scalarToNumber(value))
    } else values.push({ row: i, key, value })
  }
  part.content.forEach((line, i) => {
    const special: Record<string, unknown> = {}
    const flat = scanFlatLine(line)
    if (flat !== null) {
      flat.keys.forEach((key, k) => {
        if (RESERVED.has(key)) special[key] = flat.values[k]
        else set(i, key, flat.values[k])
      })
    } else {
      const row = parseObject(HISTORY_FILE, line, part.offset + i)
      let all: Record<string, unknown>
      try {
        all = flattenWandb(row)
      } catch (err) {
        throw lineError(HISTORY_FILE, part.offset + i, (err as Error).message)
      }
      for (const key in all) set(i, key, all[key])
      for (const key of RESERVED) special[key] = row[key]
    }
    // Shared-mode writers send no `_step`; the line number is the only order there is.
    const step = special._step
    history.steps.push(
      Number.isSafeInteger(step) && (step as number) >= 0 ? (step as number) : part.offset + i,
    )
    history.timestamp.push(typeof special._timestamp === 'number' ? special._timestamp : nowMs / 1000)
    history.runtime.push(typeof special._runtime === 'number' ? special._runtime : 0)
  })
  history.columns = { ...columns }
  return { offset: part.offset, count: n, rows: history, values }
}

function systemSample(line: Record<string, unknown>, nowMs: number): SystemSample {
  const values: Record<string, number> = {}
  // Keys stay as the client names them (`system.cpu`, `system.gpu.0.memory`): they are opaque.
  for (const [key, value] of Object.entries(line)) {
    if (!key.startsWith('_') && typeof value === 'number') values[key] = value
  }
  const t = typeof line._timestamp === 'number' ? line._timestamp * 1000 : nowMs
  return { t, values }
}

// `ERROR ` marks stderr; the time is UTC without a zone; a `[label]` names the writer (multi-node).
const CONSOLE_LINE = /^(ERROR )?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?) (?:\[([^\]]*)\] )?(.*)$/s

function consoleLine(text: string, nowMs: number): ConsoleLine {
  const match = CONSOLE_LINE.exec(text)
  if (match === null) return { t: nowMs, stream: 'stdout', line: text.replace(/\n$/, '') }
  const t = Date.parse(`${match[2]}Z`)
  const label = match[3] === undefined ? '' : `[${match[3]}] `
  return {
    t: Number.isFinite(t) ? t : nowMs,
    stream: match[1] === undefined ? 'stdout' : 'stderr',
    line: `${label}${match[4]!.replace(/\n$/, '')}`,
  }
}

function objects(file: string, part: FileStreamPart): Record<string, unknown>[] {
  checkLengths(file, part)
  return part.content.map((line, i) => parseObject(file, line, part.offset + i))
}

function parseObject(file: string, line: string, lineNo: number): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = parseExtendedJson(line)
  } catch {
    throw lineError(file, lineNo, 'is not JSON')
  }
  if (!isPlainObject(parsed)) throw lineError(file, lineNo, 'is not a JSON object')
  return parsed
}

function checkLengths(file: string, part: FileStreamPart): void {
  part.content.forEach((line, i) => {
    if (line.length > MAX_LINE_CHARS) {
      throw new StemmaError(
        'PAYLOAD_TOO_LARGE',
        `Line ${part.offset + i} of ${file} has ${line.length} characters; a line may have at most ${MAX_LINE_CHARS}.`,
        { file, line: part.offset + i, limit: MAX_LINE_CHARS },
      )
    }
  })
}

function lineError(file: string, line: number, problem: string): StemmaError {
  return new StemmaError(
    'VALIDATION_FAILED',
    `Line ${line} of ${file} ${problem}; nothing in this request was stored.`,
    {
      file,
      line,
    },
  )
}
