// Throwaway measurement (not a test): node packages/store/scripts/measure.mjs after `npx tsc -b packages/store`.
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../dist/index.js'

const KEYS = Number(process.env.KEYS ?? 20)
const ROWS = Number(process.env.ROWS ?? 100_000)
const BATCH = Number(process.env.BATCH ?? 1000)
const KEY = KEYS > 3 ? 'm3' : 'm0'

function batch(seq, from, n) {
  const steps = []
  const runtime = []
  const timestamp = []
  const columns = {}
  for (let k = 0; k < KEYS; k++) columns[`m${k}`] = []
  for (let i = 0; i < n; i++) {
    const s = from + i
    steps.push(s)
    runtime.push(s * 0.01)
    timestamp.push(1.7e9 + s * 0.01)
    for (let k = 0; k < KEYS; k++) columns[`m${k}`].push(Math.sin(s / (k + 1)) + Math.random() * 0.1)
  }
  return { writerId: 'w', seq, history: { steps, runtime, timestamp, columns } }
}

async function fill(store, runId, rows) {
  const ref = { entity: 'e', project: 'p', runId }
  await store.runs.create({ entity: 'e', project: 'p', runId, heartbeatTimeoutS: 60, now: 0 })
  const batches = []
  for (let i = 0; i * BATCH < rows; i++)
    batches.push(batch(i + 1, i * BATCH, Math.min(BATCH, rows - i * BATCH)))
  const t0 = performance.now()
  for (const b of batches) await store.history.ingest(ref, b, 0)
  const ms = performance.now() - t0
  return { ref, ms }
}

function p(values, q) {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

const dir = mkdtempSync(join(tmpdir(), 'stemma-measure-'))
const file = join(dir, 'm.db')
const store0 = openSqliteStore({ path: file })
const { ref, ms } = await fill(store0, 'big', ROWS)
const points = ROWS * KEYS
console.log(
  JSON.stringify({
    what: 'ingest',
    rows: ROWS,
    points,
    ms: Math.round(ms),
    pointsPerS: Math.round((points / ms) * 1000),
  }),
)

// closing checkpoints the WAL into the main file; then size / points
await store0.close()
const size = () => statSync(file).size + (existsSync(file + '-wal') ? statSync(file + '-wal').size : 0)
console.log(JSON.stringify({ what: 'bytes/point', value: +(size() / points).toFixed(2) }))
const store = openSqliteStore({ path: file })

for (const [label, opts] of [
  ['m4 full 1000', { key: KEY, buckets: 1000 }],
  [
    'm4 half 1000',
    { key: KEY, buckets: 1000, minStep: Math.floor(ROWS / 3), maxStep: Math.floor((2 * ROWS) / 3) },
  ],
]) {
  const times = []
  for (let i = 0; i < 110; i++) {
    const t = performance.now()
    await store.history.buckets(ref, opts)
    if (i < 10) continue
    times.push(performance.now() - t)
  }
  console.log(
    JSON.stringify({
      what: label,
      steps: ROWS,
      p50: +p(times, 0.5).toFixed(2),
      p95: +p(times, 0.95).toFixed(2),
    }),
  )
}

const small = await fill(store, 'small', 50)
console.log('filled small')
for (const [label, r] of [
  ['small (1k points)', small.ref],
  [`big (${points} points)`, ref],
]) {
  const times = []
  for (let i = -3; i < 20; i++) {
    const t = performance.now()
    await store.runs.fork(r, Math.floor((r === ref ? ROWS : 50) / 2) + i, {
      entity: 'e',
      project: 'p',
      runId: `f-${r.runId}-${i}`,
      heartbeatTimeoutS: 60,
      now: 0,
    })
    if (i >= 0) times.push(performance.now() - t)
  }
  const rw = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    await store.runs.rewind(r, Math.floor((r === ref ? ROWS : 50) / 2) - i * 3, 0)
    rw.push(performance.now() - t)
  }
  console.log(
    JSON.stringify({
      what: `fork ${label}`,
      p50: +p(times, 0.5).toFixed(2),
      max: +Math.max(...times).toFixed(2),
      rewindP50: +p(rw, 0.5).toFixed(2),
    }),
  )
}
if (process.env.KEEP) {
  console.log(file)
  process.exit(0)
}
await store.close()
rmSync(dir, { recursive: true, force: true })
