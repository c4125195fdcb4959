// Run capture and control: console + system capture cost, stop latency, `process.exit(1)` to
// `failed`, and crash detection, each with real scripts against a real server.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, median, percentile, report, ROOT, startServer } from '../harness.js'

const worker = (name) => join(ROOT, 'bench/workers', name)

function spawnWorker(name, args) {
  const child = spawn(process.execPath, [worker(name), ...args], {
    env: { ...process.env, STEMMA_DIR: mkdtempSync(join(tmpdir(), 'stemma-bench-cap-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (c) => (out += c))
  child.stderr.on('data', (c) => (err += c))
  const exited = new Promise((resolve) => child.once('exit', () => resolve({ out, err })))
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', () => out.includes('ready') && resolve())
    child.once('exit', () => reject(new Error(`worker exited before it was ready: ${err}`)))
  })
  // Not every worker announces itself: an unawaited `ready` must not become an unhandled rejection.
  ready.catch(() => {})
  return { child, exited, ready }
}

async function waitForState(baseUrl, id, state, t0, timeoutMs = 120_000) {
  for (;;) {
    const run = await api(baseUrl, `/api/v1/runs/admin/bench-control/${id}`)
    if (run.state === state) return Date.now() - t0
    if (Date.now() - t0 > timeoutMs) throw new Error(`${id} did not become ${state}; it is ${run.state}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function captureCost(baseUrl, seconds, repeats) {
  const lines = 1000
  const cpu = { on: [], off: [] }
  for (let i = 0; i < repeats; i++) {
    // Alternated, so drift on the machine falls on both sides alike.
    for (const mode of ['off', 'on']) {
      const { exited } = spawnWorker('capture-run.js', [
        baseUrl,
        `cap-${mode}-${i}`,
        mode,
        String(lines),
        String(seconds),
      ])
      const { err } = await exited
      cpu[mode].push(JSON.parse(err.trim().split('\n').at(-1)).cpuUs)
    }
  }
  const share = (us) => (100 * us) / (seconds * 1e6)
  const on = median(cpu.on)
  const off = median(cpu.off)
  report({
    figure: 'capture_cpu_pct_of_core',
    lines_per_s: lines,
    capture_on: +share(on).toFixed(2),
    capture_off: +share(off).toFixed(2),
    overhead: +share(on - off).toFixed(2),
    target: 'overhead < 1',
  })
}

async function stopLatency(baseUrl, n) {
  const samples = []
  for (let i = 0; i < n; i++) {
    const id = `stop-${i}`
    const w = spawnWorker('idle-run.js', [baseUrl, id, 'stop'])
    await w.ready
    const t0 = Date.now()
    await api(baseUrl, `/api/v1/runs/admin/bench-control/${id}/stop`, { method: 'POST', body: '{}' })
    samples.push(await waitForState(baseUrl, id, 'killed', t0))
    await w.exited
  }
  samples.sort((a, b) => a - b)
  report({
    figure: 'stop_latency_ms',
    runs: n,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    target: 'p95 <= 2000',
  })
}

async function exitToFailed(baseUrl, n) {
  const samples = []
  for (let i = 0; i < n; i++) {
    const id = `exit-${i}`
    const w = spawnWorker('idle-run.js', [baseUrl, id, 'exit'])
    await w.exited
    samples.push(await waitForState(baseUrl, id, 'failed', Date.now()))
  }
  samples.sort((a, b) => a - b)
  report({
    figure: 'exit1_to_failed_ms',
    runs: n,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    target: 'p95 <= 5000',
  })
}

async function crashDetection(baseUrl) {
  const id = 'crash-0'
  const w = spawnWorker('idle-run.js', [baseUrl, id, 'crash'])
  await w.ready
  const lastHeartbeat = Date.parse((await api(baseUrl, `/api/v1/runs/admin/bench-control/${id}`)).heartbeatAt)
  w.child.kill('SIGKILL')
  await w.exited
  await waitForState(baseUrl, id, 'crashed', Date.now())
  report({
    figure: 'crash_detected_after_last_heartbeat_s',
    heartbeat_timeout_s: 10,
    value: +((Date.now() - lastHeartbeat) / 1000).toFixed(2),
    target: 'timeout + 0 (the state is derived on read); the SDK default timeout is 60 s',
  })
}

export async function captureFigures(n) {
  const server = await startServer()
  try {
    await captureCost(server.baseUrl, n(10), n(5) > 1 ? 5 : 1)
    await stopLatency(server.baseUrl, n(20))
    await exitToFailed(server.baseUrl, n(20))
    await crashDetection(server.baseUrl)
  } finally {
    await server.stop()
  }
}
