// `npm run bench`: prints one JSON line per figure. Not part of the tests; targets are in DESIGN §8.
//   --quick          shrinks every workload tenfold for a smoke run
//   --only=A,B       runs only these parts: sdk (log() cost and peers), sqlite, postgres, web, capture,
//                    wandb (the official W&B client logging to stemma, beside offline mode and MLflow)
//   --skip-peers     leaves out the peer trackers (their virtualenv install is slow the first time)
// The PostgreSQL-against-SQLite ratio lines need both dialects in the same invocation.
import { report } from './harness.js'
import { postgresBackend, sqliteBackend } from './backends.js'
import { dialectRatios, serverFigures } from './suite.js'
import { logLatency } from './figures/log-latency.js'
import { peerLogLatency } from './figures/peers.js'
import { webFigures } from './figures/web.js'
import { captureFigures } from './figures/capture.js'
import { wandbFigures } from './figures/wandb.js'

const PARTS = ['sdk', 'sqlite', 'postgres', 'web', 'capture', 'wandb']

function parseArgs(argv) {
  const options = { quick: false, skipPeers: false, parts: PARTS }
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true
    else if (arg === '--skip-peers') options.skipPeers = true
    else if (arg.startsWith('--only=')) options.parts = arg.slice('--only='.length).split(',')
    else throw new Error(`unknown option ${arg}; see the top of bench/run.js`)
  }
  const unknown = options.parts.filter((p) => !PARTS.includes(p))
  if (unknown.length > 0) throw new Error(`--only takes ${PARTS.join(', ')}; not ${unknown.join(', ')}`)
  return options
}

let options
try {
  options = parseArgs(process.argv.slice(2))
} catch (err) {
  console.error(err.message)
  process.exit(2)
}
const scale = options.quick ? 0.1 : 1
const n = (x) => Math.max(1, Math.round(x * scale))
const runs = (part) => options.parts.includes(part)

if (runs('sdk')) {
  const stemmaP50 = await logLatency({ calls: n(1_000_000) })
  if (!options.skipPeers) peerLogLatency({ calls: n(100_000), stemmaP50 })
}

const measured = {}
for (const [part, open] of [
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
]) {
  if (!runs(part)) continue
  const backend = await open()
  try {
    measured[part] = await serverFigures(backend, n)
  } finally {
    await backend.close()
  }
}
if (measured.sqlite && measured.postgres) dialectRatios(measured.sqlite, measured.postgres)
else if (runs('postgres')) report({ figure: 'postgres_vs_sqlite', skipped: 'needs --only to include sqlite' })

if (runs('web')) await webFigures(n)
if (runs('capture')) await captureFigures(n)
if (runs('wandb')) await wandbFigures(n)
