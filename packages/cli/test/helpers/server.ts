import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url))
export const SDK_DIST = fileURLToPath(new URL('../../../sdk/dist/index.js', import.meta.url))
export const API_KEY = `local-${'t'.repeat(40)}`

export interface TestServer {
  baseUrl: string
  /** Everything the process printed so far. */
  output(): string
  dataDir: string
  process: ChildProcess
  /** Raw HTTP with the admin key unless `key` says otherwise (`null`: no Authorization header). */
  request(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>
  json<T = unknown>(path: string, init?: RequestInit): Promise<T>
  stop(): Promise<void>
  /** Kills the server with SIGKILL and leaves its data directory in place. */
  kill(): Promise<void>
}

/**
 * Starts the real `stemma server` on a free port and a temporary SQLite directory, or on the
 * given ones (to restart a server where it was); `args` and `env` add flags and variables.
 */
export async function startServer(
  options: { port?: number; dataDir?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'stemma-e2e-'))
  const port = String(options.port ?? 0)
  const args = [CLI, 'server', '--port', port, '--data-dir', dataDir, ...(options.args ?? [])]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, STEMMA_ADMIN_API_KEY: API_KEY, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)))
  })
  const request = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const { key = API_KEY, ...rest } = init
    const headers = new Headers(rest.headers)
    if (key !== null) headers.set('authorization', `Bearer ${key}`)
    if (rest.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json')
    return fetch(baseUrl + path, { ...rest, headers })
  }
  return {
    baseUrl,
    output: () => output,
    dataDir,
    process: child,
    request,
    async json<T>(path: string, init?: RequestInit) {
      const res = await request(path, init)
      const body = await res.text()
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path} → ${res.status}: ${body}`)
      return JSON.parse(body) as T
    },
    async kill() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export function tempDir(prefix = 'stemma-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Runs the `stemma` CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  // Bounded, so a command that unexpectedly keeps running (a server) fails the test, not hangs it.
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
