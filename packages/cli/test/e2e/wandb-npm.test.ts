import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HistoryResponse, RunDto } from '@stemma/core'
import { API_KEY, startServer, type TestServer } from '../helpers/server.js'

/** The repository root, where the official npm client (`@wandb/sdk` 0.5.1) is installed. */
const REPO = fileURLToPath(new URL('../../../../', import.meta.url))

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

/** A script using the official W&B npm client, pointed at stemma by its two variables only. */
function runWandbScript(body: string): { output: string; runId: string } {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import wandb from '@wandb/sdk'\n${body}`],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        WANDB_BASE_URL: server.baseUrl,
        WANDB_API_KEY: API_KEY,
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
  const output = `${result.stdout}${result.stderr}`
  expect(result.status, output).toBe(0)
  const runId = /\/runs\/([a-z0-9]+)/.exec(output)?.[1]
  if (runId === undefined) throw new Error(`the script printed no run link:\n${output}`)
  return { output, runId }
}

describe('the official npm client, @wandb/sdk 0.5.1', () => {
  it('logs a run with init, log and finish', async () => {
    const { runId } = runWandbScript(`
      await wandb.init({ project: 'npm', config: { lr: 0.1, layers: [64, 32] } })
      for (let i = 0; i < 5; i++) wandb.log({ loss: 1 / (i + 1), nested: { a: i } })
      await wandb.finish()`)
    const run = await server.json<RunDto>(`/api/v1/runs/admin/npm/${runId}`)
    // The npm client sends the config unwrapped; it reads back as any other run's.
    expect(run.config).toEqual({ lr: 0.1, layers: [64, 32] })
    expect(run.state).toBe('finished')
    expect(run.summary).toMatchObject({ loss: 0.2, 'nested.a': 4, _step: 4 })
    // It sends no heartbeat while idle, so its runs wait longer before reading as crashed.
    expect(run.heartbeatTimeoutS).toBe(3600)
    const history = await server.json<HistoryResponse>(`/api/v1/runs/admin/npm/${runId}/history`)
    expect(history.steps).toEqual([0, 1, 2, 3, 4])
    expect(history.columns.loss).toEqual([1, 0.5, 1 / 3, 0.25, 0.2])
  })

  it('logs a run without config; a row it sends at a step already logged is recorded as refused', async () => {
    const { runId } = runWandbScript(`
      await wandb.init({ project: 'npm' })
      wandb.log({ x: 1 }, 10)
      wandb.log({ x: 2 })
      await wandb.finish()`)
    const run = await server.json<RunDto>(`/api/v1/runs/admin/npm/${runId}`)
    expect(run.config).toEqual({})
    const history = await server.json<HistoryResponse>(`/api/v1/runs/admin/npm/${runId}/history`)
    // An explicit step does not advance the npm client's counter: its next row repeats step 10.
    expect(history.steps).toEqual([10])
    expect(history.columns.x).toEqual([1])
    expect(run.rejectedCount).toBe(1)
  })
})
