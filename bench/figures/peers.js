// Peer trackers measured in the same invocation: the per-call cost of logging the same
// 20-scalar dict with wandb (offline) and MLflow (local file store), from a pinned virtualenv.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, report } from '../harness.js'

const VENV = join(ROOT, '.venv-bench')
const python = join(VENV, 'bin', 'python')

function ensureVenv() {
  if (existsSync(python)) return true
  try {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' })
    execFileSync(python, ['-m', 'pip', 'install', '-q', '-r', join(ROOT, 'bench/peers/requirements.txt')], {
      stdio: 'inherit',
    })
    return true
  } catch (err) {
    report({ figure: 'peers', skipped: `could not install peers: ${err.message}` })
    return false
  }
}

export function peerLogLatency({ calls, stemmaP50 }) {
  if (!ensureVenv()) return
  for (const [peer, n] of [
    ['wandb', calls],
    ['mlflow', Math.min(calls, 2_000)],
  ]) {
    try {
      const out = execFileSync(python, [join(ROOT, 'bench/peers/log_latency.py'), peer, String(n)], {
        encoding: 'utf8',
        env: { ...process.env, WANDB_SILENT: 'true', WANDB_MODE: 'offline' },
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      const result = JSON.parse(out.trim().split('\n').at(-1))
      report({ figure: 'peer_log_ns', ...result, stemma_p50: stemmaP50, ratio_p50: result.p50 / stemmaP50 })
    } catch (err) {
      report({ figure: 'peer_log_ns', peer, skipped: err.message.split('\n')[0] })
    }
  }
}
