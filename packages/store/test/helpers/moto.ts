import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort as freeLoopbackPort } from '../../../../scripts/postgres-cluster.mjs'

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: a real S3 HTTP API, path-style. */
  endpoint: string
  stop(): Promise<void>
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const VENV_PYTHON = `${REPO_ROOT}.venv/bin/python`
const SETUP =
  'run `bash scripts/test-venv.sh` from the repository root (or set STEMMA_TEST_PYTHON to a Python with moto[server])'
const START_TIMEOUT_MS = 30_000

/** Starts moto's standalone S3 server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const python = pythonWithMoto()
  const port = await freeLoopbackPort()
  const child = spawn(python, ['-m', 'moto.server', '-p', String(port), '-H', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keepTail = (text: string) => (output = (output + text).slice(-2_000))
  child.stdout?.on('data', (data: Buffer) => keepTail(data.toString()))
  child.stderr?.on('data', (data: Buffer) => keepTail(data.toString()))
  // An interpreter that cannot be run at all is reported through this event, not thrown.
  child.once('error', (err) => keepTail(`cannot run ${python}: ${err.message}`))
  // A test worker that exits without calling stop() must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitUntilAnswering(endpoint, child, () => output)
  } catch (err) {
    process.off('exit', killOnExit)
    await stopProcess(child)
    throw err
  }
  return {
    endpoint,
    stop: async () => {
      process.off('exit', killOnExit)
      await stopProcess(child)
    },
  }
}

function pythonWithMoto(): string {
  const fromEnv = process.env.STEMMA_TEST_PYTHON
  if (fromEnv) return fromEnv
  if (existsSync(VENV_PYTHON)) return VENV_PYTHON
  throw new Error(`the S3 blob store tests need moto, and no Python for it was found: ${SETUP}`)
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto did not start: ${SETUP}\n${output()}`)
    }
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) })
      return // any HTTP answer means the server is up
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`moto did not answer at ${endpoint} within ${START_TIMEOUT_MS} ms\n${output()}`)
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const forced = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(forced)
}
