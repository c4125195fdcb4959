import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { tempDir } from './env.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
export const SDK_DIST = join(ROOT, 'packages/sdk/dist/index.js')

/** Compiles the SDK (incremental) so child processes run it the way users do. */
export function buildSdk(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/sdk'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
}

export interface Child {
  child: ChildProcess
  dir: string
  output: () => string
  lines: Array<{ at: number; line: string }>
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs `body` as an ESM script with `stemma` imported from the built SDK. */
export function startScript(body: string, env: Record<string, string> = {}): Child {
  const dir = tempDir('stemma-child-')
  const file = join(dir, 'train.mjs')
  writeFileSync(file, `import * as stemma from ${JSON.stringify(pathToFileURL(SDK_DIST).href)}\n${body}\n`)
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, STEMMA_DIR: dir, STEMMA_CONFIG_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const lines: Array<{ at: number; line: string }> = []
  let partial = ''
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    partial += chunk.toString()
    const parts = partial.split('\n')
    partial = parts.pop()!
    for (const line of parts) lines.push({ at: Date.now(), line })
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    dir,
    output: () => output,
    lines,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const started = Date.now()
      while (!pattern.test(output)) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`timed out waiting for ${pattern}; output:\n${output}`)
        await new Promise((r) => setTimeout(r, 5))
      }
    },
  }
}

export function onlyRunDir(dir: string): string {
  const runs = readdirSync(join(dir, 'stemma')).filter((d) => d.startsWith('run-'))
  if (runs.length !== 1) throw new Error(`expected one run directory in ${dir}, found ${runs.length}`)
  return join(dir, 'stemma', runs[0]!)
}
