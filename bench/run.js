// `npm run bench`: prints one JSON line per figure. Not part of the tests; targets are in DESIGN §8.
// `--quick` shrinks every workload tenfold for a smoke run.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { report, startServer } from './harness.js'
import { logLatency } from './figures/log-latency.js'
import { peerLogLatency } from './figures/peers.js'
import { ingestManyRuns, ingestOneRun, logRun } from './figures/ingest.js'
import { bucketQuery, forkReadCost, lineageOps, loadOneMetric } from './figures/queries.js'
import { runsTable } from './figures/runs-table.js'

const scale = process.argv.includes('--quick') ? 0.1 : 1
const n = (x) => Math.max(1, Math.round(x * scale))
const entity = 'admin'

const stemmaP50 = await logLatency({ calls: n(1_000_000) })
peerLogLatency({ calls: n(100_000), stemmaP50 })

// One server for the single-run figures, the chart query and lineage.
const a = await startServer()
try {
  const big = await ingestOneRun({ baseUrl: a.baseUrl, rows: n(500_000) })
  await loadOneMetric({ baseUrl: a.baseUrl, project: 'bench-m4', id: 'm4run', steps: n(1_000_000) })
  await bucketQuery({ baseUrl: a.baseUrl, entity, project: 'bench-m4', id: 'm4run', steps: n(1_000_000) })
  await loadOneMetric({ baseUrl: a.baseUrl, project: 'bench-m4', id: 'm4run10', steps: n(10_000_000) })
  await bucketQuery({ baseUrl: a.baseUrl, entity, project: 'bench-m4', id: 'm4run10', steps: n(10_000_000) })

  const small = await logRun({ baseUrl: a.baseUrl, project: 'bench-ingest', rows: 50, id: 'small1k' })
  const smallOps = await lineageOps({
    baseUrl: a.baseUrl,
    entity,
    project: 'bench-ingest',
    id: 'small1k',
    points: 1_000,
    lastStep: 49,
  })
  const bigOps = await lineageOps({
    baseUrl: a.baseUrl,
    entity,
    project: 'bench-ingest',
    id: 'ingest1',
    points: n(500_000) * 20,
    lastStep: big.step - 1,
  })
  report({
    figure: 'lineage_ratio_big_vs_small',
    fork: bigOps.fork / smallOps.fork,
    rewind: bigOps.rewind / smallOps.rewind,
    target: '<= 2',
  })
  await forkReadCost({
    baseUrl: a.baseUrl,
    entity,
    project: 'bench-ingest',
    parentId: 'ingest1',
    forkId: bigOps.forkId,
    key: 'metric_0',
  })
  void small
} finally {
  await a.stop()
}

// A second server for 32 concurrent runs; its database then gives the storage figure.
const b = await startServer()
const runs = 32
// 1 M points per run: at 400 k points (20 k rows) per run, each process's start-up JIT work
// (~0.27 s of CPU) weighs as much as the logging itself, which no sustained training run sees.
const rowsPerRun = n(50_000)
await ingestManyRuns({ baseUrl: b.baseUrl, runs, rowsPerRun })
await b.stop({ keepData: true })
const size = ['stemma.db', 'stemma.db-wal'].reduce((sum, f) => {
  try {
    return sum + statSync(join(b.dataDir, f)).size
  } catch {
    return sum
  }
}, 0)
const points = runs * rowsPerRun * 20
report({ figure: 'bytes_per_point', points, bytes: size, value: size / points, target: '<= 16' })

await runsTable({ runs: n(100_000) })
