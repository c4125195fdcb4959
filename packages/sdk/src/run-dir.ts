import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InitRequest } from '@stemma/core'

/** `run.json`: everything `stemma sync` needs to deliver the write-ahead file without the process. */
export interface RunInfo {
  version: 1
  baseUrl: string
  entity: string | null
  project: string
  runId: string
  writerId: string
  init: InitRequest
  /** True when the server has not seen this run yet (offline mode, until a sync creates it). */
  offline: boolean
  /** Set by the process when it ends normally. */
  exit?: { state: string; exitCode: number; uploaded: boolean }
  /** Set once everything the file holds reached the server after the process was gone (see leftovers.ts). */
  delivered?: boolean
}

export const WAL_FILE = 'run.wal'
export const INFO_FILE = 'run.json'
const RESUME_FILE = 'resume.json'

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * `<dir>/stemma/run-YYYYMMDD_HHMMSS-<id>`, as W&B names its run directories. A process resuming
 * the same run within the same second gets `run-YYYYMMDD_HHMMSS.2-<id>` and so on: each process
 * has a directory (and a write-ahead file) of its own.
 */
export function createRunDir(dir: string, runId: string, now = new Date()): string {
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}_` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
  mkdirSync(join(dir, 'stemma'), { recursive: true })
  for (let n = 1; ; n++) {
    const runDir = join(dir, 'stemma', `run-${stamp}${n === 1 ? '' : `.${n}`}-${runId}`)
    try {
      mkdirSync(runDir)
      return runDir
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n')
  renameSync(tmp, path)
}

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeJsonAtomic(join(runDir, INFO_FILE), info)
}

export function readRunInfo(runDir: string): RunInfo {
  const parsed = JSON.parse(readFileSync(join(runDir, INFO_FILE), 'utf8')) as RunInfo
  return parsed
}

/** What `resume: 'auto'` reads: the last run started in a directory that has not finished cleanly. */
export interface ResumeRecord {
  runId: string
  project: string
  entity: string | null
  runDir: string
}

function resumePath(dir: string): string {
  return join(dir, 'stemma', RESUME_FILE)
}

export function readResumeRecord(dir: string): ResumeRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(resumePath(dir), 'utf8')) as Partial<ResumeRecord>
    return typeof parsed.runId === 'string' && parsed.runId !== '' ? (parsed as ResumeRecord) : undefined
  } catch {
    return undefined
  }
}

export function writeResumeRecord(dir: string, record: ResumeRecord): void {
  mkdirSync(join(dir, 'stemma'), { recursive: true })
  writeJsonAtomic(resumePath(dir), record)
}

/** Called when a run finished cleanly; leaves a newer run's record alone. */
export function clearResumeRecord(dir: string, runId: string): void {
  if (readResumeRecord(dir)?.runId === runId) rmSync(resumePath(dir), { force: true })
}
