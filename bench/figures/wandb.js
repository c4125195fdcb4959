// W&B compatibility: the official Python client (wandb 0.31.0) logging 20 scalars per step to
// stemma as fast as it allows, the server's CPU per 1,000 steps, file_stream request latency,
// and side by side the same script with WANDB_MODE=offline and MLflow logging to `mlflow server`.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../scripts/postgres-cluster.mjs'
import { API_KEY, cpuSeconds, median, percentile, report, ROOT, scalarRow, startServer } from '../harness.js'

const WANDB_PYTHON = join(ROOT, '.venv-wandb/0.31.0/bin/python')
const MLFLOW_VENV = join(ROOT, '.venv-bench-mlflow')
const MLFLOW_PYTHON = join(MLFLOW_VENV, 'bin/python')
const SCRIPT = join(ROOT, 'bench/peers/client_throughput.py')

function ensureClients() {
  execFileSync('bash', [join(ROOT, 'scripts/wandb-venvs.sh')], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (!existsSync(MLFLOW_PYTHON)) {
    execFileSync('python3', ['-m', 'venv', MLFLOW_VENV], { stdio: 'inherit' })
    const requirements = join(ROOT, 'bench/peers/mlflow-requirements.txt')
    execFileSync(join(MLFLOW_VENV, 'bin/pip'), ['install', '-q', '-r', requirements], { stdio: 'inherit' })
  }
}

function throughput(python, client, steps, env) {
  const out = execFileSync(python, [SCRIPT, client, String(steps)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'stemma-bench-home-')), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  })
  return JSON.parse(out.trim().split('\n').at(-1))
}

export async function wandbFigures(n) {
  try {
    ensureClients()
  } catch (err) {
    report({ figure: 'wandb_client', skipped: `could not install the clients: ${err.message}` })
    return
  }
  const steps = n(20_000)
  const repeats = 3
  const server = await startServer()
  try {
    const online = { stepsPerS: [], cpuPer1k: [] }
    const env = {
      WANDB_BASE_URL: server.baseUrl,
      WANDB_API_KEY: API_KEY,
      WANDB_ERROR_REPORTING: 'false',
      WANDB_SILENT: 'true',
    }
    for (let i = 0; i < repeats; i++) {
      const before = cpuSeconds(server.pid)
      const r = throughput(WANDB_PYTHON, 'wandb', steps, env)
      const cpu = cpuSeconds(server.pid) - before
      online.stepsPerS.push(steps / r.total_s)
      online.cpuPer1k.push(cpu / (steps / 1000))
    }
    const offline = []
    for (let i = 0; i < repeats; i++) {
      const r = throughput(WANDB_PYTHON, 'wandb', steps, { ...env, WANDB_MODE: 'offline' })
      offline.push(steps / r.total_s)
    }
    const stemmaStepsPerS = median(online.stepsPerS)
    const cpuPer1k = median(online.cpuPer1k)
    report({
      figure: 'wandb_client_steps_per_s',
      client: 'wandb 0.31.0',
      steps,
      stemma: stemmaStepsPerS,
      offline: median(offline),
      stemma_vs_offline: stemmaStepsPerS / median(offline),
    })
    report({
      figure: 'wandb_server_cpu_s_per_1k_steps',
      median: cpuPer1k,
      // At 1,000 steps/s the server would spend this share of one core (target < 10%).
      pct_of_core_at_1k_steps_per_s: 100 * cpuPer1k,
      target_pct: 10,
    })
    await fileStreamLatency(server, n)
    await mlflowSideBySide(n, stemmaStepsPerS)
  } finally {
    await server.stop()
  }
}

/** p50/p99 of file_stream requests as wandb-core sends them: history, summary and a system sample. */
async function fileStreamLatency(server, n) {
  const auth = `Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`
  const headers = { authorization: auth, 'content-type': 'application/json' }
  const upsert = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      query:
        'mutation($name: String) { upsertBucket(input: { name: $name, modelName: "bench-fs" }) { bucket { id } } }',
      variables: { name: 'fs-latency' },
    }),
  })
  if (!upsert.ok) throw new Error(`UpsertBucket: ${upsert.status}`)
  // One run for both sizes: each request continues where the last left off, as a client's do.
  let linesSent = 0
  let samplesSent = 0
  for (const linesPerRequest of [100, 1000]) {
    const requests = n(linesPerRequest === 100 ? 300 : 60)
    const times = []
    let line = linesSent
    for (let r = 0; r < requests; r++) {
      const content = []
      for (let i = 0; i < linesPerRequest; i++, line++) {
        content.push(
          JSON.stringify({
            ...scalarRow(line),
            _step: line,
            _runtime: line / 1000,
            _timestamp: 1.7e9 + line,
          }),
        )
      }
      const body = JSON.stringify({
        files: {
          'wandb-history.jsonl': { offset: line - linesPerRequest, content },
          'wandb-summary.json': { offset: 0, content: [content.at(-1)] },
          'wandb-events.jsonl': {
            offset: samplesSent++,
            content: ['{"_wandb":true,"_timestamp":1700000000,"system.cpu":5}'],
          },
        },
      })
      const t0 = performance.now()
      const res = await fetch(`${server.baseUrl}/files/admin/bench-fs/fs-latency/file_stream`, {
        method: 'POST',
        headers,
        body,
      })
      await res.text()
      times.push(performance.now() - t0)
      if (!res.ok) throw new Error(`file_stream: ${res.status}`)
    }
    linesSent = line
    times.sort((a, b) => a - b)
    report({
      figure: 'wandb_file_stream_ms',
      lines_per_request: linesPerRequest,
      requests,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      target_p99: 50,
    })
  }
}

/** MLflow's client logging the same rows to an MLflow tracking server on SQLite, same machine. */
async function mlflowSideBySide(n, stemmaStepsPerS) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'stemma-bench-mlflow-'))
  const server = spawn(
    join(MLFLOW_VENV, 'bin/mlflow'),
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${dir}/mlflow.db`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { stdio: 'ignore', cwd: dir },
  )
  try {
    const uri = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      if (
        await fetch(`${uri}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break
      if (i > 600) throw new Error('mlflow server did not start')
      await new Promise((r) => setTimeout(r, 100))
    }
    const steps = n(1_000)
    const runs = [1, 2, 3].map(() => throughput(MLFLOW_PYTHON, 'mlflow', steps, { MLFLOW_TRACKING_URI: uri }))
    const mlflowStepsPerS = median(runs.map((r) => steps / r.total_s))
    report({
      figure: 'wandb_client_vs_mlflow',
      steps,
      mlflow_steps_per_s: mlflowStepsPerS,
      wandb_to_stemma_steps_per_s: stemmaStepsPerS,
      ratio: stemmaStepsPerS / mlflowStepsPerS,
    })
  } catch (err) {
    report({ figure: 'wandb_client_vs_mlflow', skipped: err.message })
  } finally {
    server.kill('SIGTERM')
  }
}
