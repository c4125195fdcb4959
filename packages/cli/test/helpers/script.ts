import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { API_KEY, SDK_DIST, tempDir } from './server.js'

export interface TrainingProcess {
  child: ChildProcess
  dir: string
  output: () => string
  /** Resolves when the output contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Runs `body` as a training script in its own Node process, with `stemma` imported from the built
 * SDK, the way a user's script would run.
 */
export function startTrainingScript(
  body: string,
  env: {
    baseUrl?: string
    mode?: string
    /** Reuse a directory (run directories accumulate there). */ dir?: string
  } = {},
): TrainingProcess {
  const dir = env.dir ?? tempDir('stemma-script-')
  const file = join(dir, 'train.mjs')
  writeFileSync(file, `import * as stemma from ${JSON.stringify(pathToFileURL(SDK_DIST).href)}\n${body}\n`)
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: {
      ...process.env,
      STEMMA_BASE_URL: env.baseUrl ?? '',
      STEMMA_API_KEY: API_KEY,
      STEMMA_MODE: env.mode ?? '',
      STEMMA_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const waiters: { test: (s: string) => boolean; resolve: () => void }[] = []
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const w of [...waiters]) {
      if (w.test(output)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    }
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
    exited,
    waitFor(text, timeoutMs = 20_000) {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s))
      if (test(output)) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${text}; output:\n${output}`)),
          timeoutMs,
        )
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        })
      })
    },
  }
}
