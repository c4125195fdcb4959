import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDto } from '@stemma/core'
import { CLI, runCli, startServer, API_KEY, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const cliEnv = () => ({ STEMMA_BASE_URL: server.baseUrl, STEMMA_API_KEY: API_KEY })
const runDirOf = (dir: string) => {
  const runs = readdirSync(join(dir, 'stemma')).filter((d) => d.startsWith('run-'))
  expect(runs).toHaveLength(1)
  return join(dir, 'stemma', runs[0]!)
}
const history = (project: string, id: string) =>
  server.json<{ steps: number[]; columns: Record<string, number[]> }>(
    `/api/v1/runs/admin/${project}/${id}/history`,
  )
const getRun = (project: string, id: string) => server.json<RunDto>(`/api/v1/runs/admin/${project}/${id}`)

describe('training processes and the terminal', () => {
  it('prints the run name and URL at start and a history/summary block at the end', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'awesome-project', id: 'termout1' })
       for (let i = 0; i < 5; i++) run.log({ accuracy: i / 4, loss: 1 / (i + 1) })
       await run.finish()`,
      { baseUrl: server.baseUrl },
    )
    expect(await script.exited).toEqual({ code: 0, signal: null })
    const out = script.output()
    const run = await getRun('awesome-project', 'termout1')
    expect(out).toContain(`Syncing run ${run.name}`)
    expect(out).toContain(`${server.baseUrl}/admin/awesome-project/runs/termout1`)
    expect(out).toMatch(/Run history:[\s\S]*accuracy[\s\S]*Run summary:[\s\S]*accuracy\s+1\b/)
  })

  it('marks a script that exits non-zero as failed and one that throws as failed', async () => {
    const exits = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'exit3' })
       run.log({ x: 1 })
       process.exitCode = 3`,
      { baseUrl: server.baseUrl },
    )
    expect((await exits.exited).code).toBe(3)
    expect(await getRun('exits', 'exit3')).toMatchObject({ state: 'failed', exitCode: 3, lastStep: 0 })

    const throws = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'throws1' })
       run.log({ x: 1 })
       setTimeout(() => { throw new Error('diverged') }, 10)`,
      { baseUrl: server.baseUrl },
    )
    const result = await throws.exited
    expect(result.code).not.toBe(0)
    expect(throws.output()).toContain('diverged')
    expect(await getRun('exits', 'throws1')).toMatchObject({ state: 'failed', lastStep: 0 })
  })

  it('marks a script stopped with SIGTERM as killed, keeping what it logged', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'exits', id: 'sigterm1' })
       for (let i = 0; i < 100; i++) run.log({ x: i })
       console.log('logged')
       setInterval(() => {}, 1000)`,
      { baseUrl: server.baseUrl },
    )
    await script.waitFor('logged')
    script.child.kill('SIGTERM')
    await script.exited
    expect(await getRun('exits', 'sigterm1')).toMatchObject({ state: 'killed', lastStep: 99 })
  })

  it('loses nothing that reached the write-ahead file when the process is killed with SIGKILL', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'crash', id: 'sigkill1' })
       let i = 0
       for (; i < 5000; i++) run.log({ value: i * 2, other: -i })
       await new Promise((r) => setTimeout(r, 400))
       console.log('checkpoint ' + i)
       setInterval(() => { for (let k = 0; k < 50; k++, i++) run.log({ value: i * 2, other: -i }) }, 1)`,
      { baseUrl: server.baseUrl },
    )
    await script.waitFor(/checkpoint 5000/)
    await new Promise((r) => setTimeout(r, 150))
    script.child.kill('SIGKILL')
    await script.exited

    const sync = runCli(['sync', runDirOf(script.dir)], cliEnv())
    expect(sync.stderr).toBe('')
    expect(sync.code).toBe(0)
    const rows = await history('crash', 'sigkill1')
    expect(rows.steps.length).toBeGreaterThanOrEqual(5000)
    expect(rows.steps).toEqual(rows.steps.map((_, i) => i))
    expect(rows.columns.value).toEqual(rows.steps.map((s) => s * 2))
    // JSON has no -0, so step 0 reads back as 0.
    expect(rows.columns.other).toEqual(rows.steps.map((s) => 0 - s + 0))

    // Syncing again changes nothing.
    expect(runCli(['sync', runDirOf(script.dir)], cliEnv()).code).toBe(0)
    expect((await history('crash', 'sigkill1')).steps.length).toBe(rows.steps.length)
  })

  it('uploads an offline run with `stemma sync`, exactly once however often it runs', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'offline', id: 'offline1', config: { lr: 0.1 } })
       for (let i = 0; i < 300; i++) run.log({ loss: 1 / (i + 1) })
       await run.finish()`,
      { mode: 'offline' },
    )
    expect((await script.exited).code).toBe(0)
    expect((await server.request('/api/v1/runs/admin/offline/offline1')).status).toBe(404)

    const first = runCli(['sync', runDirOf(script.dir)], cliEnv())
    expect(first.stdout).toMatch(/→ admin\/offline\/offline1: (\d+) of \1 batches uploaded; run ended/)
    const second = runCli(['sync', runDirOf(script.dir)], cliEnv())
    expect(second.stdout).toMatch(/: 0 of (\d+) batches uploaded; \1 already on the server; run ended/)
    const run = await getRun('offline', 'offline1')
    expect(run).toMatchObject({ state: 'finished', lastStep: 299, config: { lr: 0.1 } })
    expect((await history('offline', 'offline1')).columns.loss).toEqual(
      Array.from({ length: 300 }, (_, i) => 1 / (i + 1)),
    )
  })

  it('`stemma sync` says it is waiting while the server is unreachable', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'offline', id: 'waits1' })
       run.log({ loss: 1 })
       await run.finish()`,
      { mode: 'offline' },
    )
    expect((await script.exited).code).toBe(0)
    const sync = spawn(process.execPath, [CLI, 'sync', runDirOf(script.dir)], {
      env: { ...process.env, STEMMA_BASE_URL: 'http://127.0.0.1:9', STEMMA_API_KEY: API_KEY },
    })
    let stderr = ''
    await new Promise<void>((resolve, reject) => {
      sync.stderr.on('data', (c: Buffer) => {
        stderr += c.toString()
        if (stderr.includes('Retrying in')) resolve()
      })
      sync.once('exit', (code) => reject(new Error(`sync exited ${code}: ${stderr}`)))
    })
    sync.kill()
    expect(stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9 .*Retrying in \d+\.\d s/)
  })

  it('lists runs with `stemma runs ls` and checks keys with `stemma login`', async () => {
    const ls = runCli(['runs', 'ls', 'admin/offline'], cliEnv())
    expect(ls.code).toBe(0)
    expect(ls.stdout).toMatch(/offline1\s+\S+\s+finished/)

    const configDir = join(server.dataDir, 'cli-config')
    const bad = runCli(['login', '--host', server.baseUrl, `local-${'x'.repeat(40)}`], {
      STEMMA_CONFIG_DIR: configDir,
    })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/API key/i)
    const good = runCli(['login', '--host', server.baseUrl, API_KEY], { STEMMA_CONFIG_DIR: configDir })
    expect(good.stdout).toContain('Logged in')
    const viaSavedLogin = runCli(['runs', 'ls', 'admin/offline'], {
      STEMMA_CONFIG_DIR: configDir,
      STEMMA_BASE_URL: '',
      STEMMA_API_KEY: '',
    })
    expect(viaSavedLogin.stdout).toContain('offline1')
  })
})
