import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleLine, SystemSample } from '@stemma/core'
import { startServer, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const consoleOf = async (id: string) =>
  (await server.json<{ lines: ConsoleLine[] }>(`/api/v1/runs/admin/capture/${id}/console`)).lines
const systemOf = async (id: string) =>
  (await server.json<{ samples: SystemSample[] }>(`/api/v1/runs/admin/capture/${id}/system`)).samples

describe('run capture', () => {
  it('records stdout and stderr of the script, progress lines in their final state', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'capture', id: 'console1', settings: { quiet: true } })
       console.log('epoch', 1, { loss: 0.5 })
       process.stdout.write('\\r 10%')
       process.stdout.write('\\r 60%')
       process.stdout.write('\\r100%\\n')
       console.error('warning: lr is high')
       process.stdout.write('no newline at the end')
       run.log({ loss: 0.5 })
       await run.finish()`,
      { baseUrl: server.baseUrl },
    )
    expect(await script.exited).toEqual({ code: 0, signal: null })
    // The output still reached the terminal as written.
    expect(script.output()).toContain('epoch 1 { loss: 0.5 }')
    const lines = await consoleOf('console1')
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ['stdout', 'epoch 1 { loss: 0.5 }'],
      ['stdout', '100%'],
      ['stderr', 'warning: lr is high'],
      ['stdout', 'no newline at the end'],
    ])
    expect(lines.every((l) => Math.abs(l.t - Date.now()) < 60_000)).toBe(true)
  })

  it('puts an uncaught error’s text in the failed run’s console', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'capture', id: 'crash1', settings: { quiet: true } })
       run.log({ x: 1 })
       setTimeout(() => { throw new Error('loss diverged') }, 10)`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code).not.toBe(0)
    const lines = await consoleOf('crash1')
    expect(lines.some((l) => l.stream === 'stderr' && l.line.includes('Error: loss diverged'))).toBe(true)
  })

  it('samples system metrics at the configured interval, and records nothing switched off', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'capture', id: 'system1', settings: { quiet: true, statsSamplingIntervalMs: 200 } })
       const until = Date.now() + 1500
       while (Date.now() < until) { run.log({ x: Math.random() }); await new Promise((r) => setTimeout(r, 20)) }
       await run.finish()
       const off = await stemma.init({ project: 'capture', id: 'quiet1', settings: { quiet: true, captureConsole: false, captureSystem: false, statsSamplingIntervalMs: 100 } })
       console.log('not recorded')
       await new Promise((r) => setTimeout(r, 500))
       await off.finish()`,
      { baseUrl: server.baseUrl },
    )
    expect(await script.exited).toEqual({ code: 0, signal: null })
    const samples = await systemOf('system1')
    expect(samples.length).toBeGreaterThanOrEqual(4)
    const keys = new Set(samples.flatMap((s) => Object.keys(s.values)))
    for (const k of [
      'cpu.process_pct',
      'cpu.system_pct',
      'memory.process_rss_mb',
      'memory.system_used_pct',
      'disk.used_pct',
    ]) {
      expect(keys).toContain(k)
    }
    // GPU series exactly when nvidia-smi answers here (none on a machine without one, and no error).
    const gpuKeys = [...keys].filter((k) => k.startsWith('gpu.'))
    if (spawnSync('nvidia-smi', ['-L']).status === 0) expect(gpuKeys).toContain('gpu.0.utilization_pct')
    else expect(gpuKeys).toEqual([])
    expect(await consoleOf('quiet1')).toEqual([])
    expect(await systemOf('quiet1')).toEqual([])
  })

  it('stores alerts on the run, not re-sent for the same title within waitDuration', async () => {
    const script = startTrainingScript(
      `const run = await stemma.init({ project: 'capture', id: 'alerts1', settings: { quiet: true } })
       const sent = [
         run.alert({ title: 'loss is NaN', text: 'at step 3', level: 'ERROR' }),
         run.alert({ title: 'loss is NaN', text: 'again' }),
         run.alert({ title: 'slow epoch', text: '', level: 'WARN', waitDuration: 0 }),
         run.alert({ title: 'slow epoch', text: 'twice', level: 'WARN', waitDuration: 0 }),
       ]
       let refused = ''
       try { run.alert({ title: 'x', text: '', level: 'LOUD' }) } catch (err) { refused = err.message }
       console.log(JSON.stringify({ sent, refused }))
       await run.finish()`,
      { baseUrl: server.baseUrl },
    )
    expect(await script.exited).toEqual({ code: 0, signal: null })
    expect(script.output()).toContain('"sent":[true,false,true,true]')
    expect(script.output()).toContain('run.alert level must be one of INFO, WARN, ERROR')
    const { alerts } = await server.json<{ alerts: { title: string; text: string; level: string }[] }>(
      '/api/v1/runs/admin/capture/alerts1/alerts',
    )
    expect(alerts.map((a) => [a.level, a.title, a.text])).toEqual([
      ['ERROR', 'loss is NaN', 'at step 3'],
      ['WARN', 'slow epoch', ''],
      ['WARN', 'slow epoch', 'twice'],
    ])
  })
})
