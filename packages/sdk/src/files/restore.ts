import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { assertFileName, encodeFileName, parseRunPath, StemmaError } from '@stemma/core'
import type { HttpClient } from '../transport.js'

export interface RestoreOptions {
  /** `entity/project/runId`; defaults to the active run. */
  runPath?: string
  /** Download even when the file exists locally (default false). */
  replace?: boolean
  /** Where to put it; defaults to the active run's files directory, else the working directory. */
  root?: string
}

/**
 * Downloads run file `name` of the run at `runPath` to `<root>/<name>` and returns that path, or
 * null when the run has no such file. An existing local file is kept unless `replace`.
 */
export async function downloadRunFile(
  client: HttpClient,
  runPath: string,
  name: string,
  root: string,
  replace: boolean,
): Promise<string | null> {
  assertFileName(name)
  const { entity, project, runId } = parseRunPath(runPath)
  const destination = join(resolve(root), ...name.split('/'))
  if (!replace && existsSync(destination)) return destination
  mkdirSync(dirname(destination), { recursive: true })
  const path = `/api/v1/runs/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${encodeURIComponent(runId)}/files/${encodeFileName(name)}`
  const outcome = await client.download(path, destination)
  if (outcome.kind === 'success') return destination
  if (outcome.error.code === 'NOT_FOUND') return null
  throw new StemmaError(outcome.error.code, `could not restore ${name}: ${outcome.error.message}`)
}
