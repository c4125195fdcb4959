// The server figures: one workload, run once per backend (SQLite, PostgreSQL) in the same
// invocation, so the dialects are compared on the same machine under the same load.
import { report } from './harness.js'
import { ingestManyRuns, ingestOneRun, logRun } from './figures/ingest.js'
import { bucketQuery, forkReadCost, lineageOps, loadOneMetric } from './figures/queries.js'
import { runsTable } from './figures/runs-table.js'
import { replicaScaling } from './figures/replicas.js'

const entity = 'admin'
const KEYS = 20
const PARALLEL_RUNS = 32

/**
 * Runs every server figure on `backend`; `n` scales a full-size workload. Returns what the
 * cross-dialect ratio lines compare.
 */
export async function serverFigures(backend, n) {
  const { dialect } = backend
  const measured = { m4p95: {} }

  // One deployment for the single-run figures, the chart query and lineage.
  const a = await backend.deploy('single')
  try {
    const baseUrl = a.baseUrl
    const bigRows = n(500_000)
    const big = await ingestOneRun({ baseUrl, rows: bigRows, dialect })
    measured.ingestOne = big.value
    for (const [id, steps] of [
      ['m4run', n(1_000_000)],
      ['m4run10', n(10_000_000)],
    ]) {
      await loadOneMetric({ baseUrl, project: 'bench-m4', id, steps })
      measured.m4p95[steps] = await bucketQuery({ baseUrl, entity, project: 'bench-m4', id, steps, dialect })
    }

    await logRun({ baseUrl, project: 'bench-ingest', rows: 50, id: 'small1k' })
    const lineage = { baseUrl, entity, project: 'bench-ingest', dialect }
    const smallOps = await lineageOps({ ...lineage, id: 'small1k', points: 50 * KEYS, lastStep: 49 })
    const bigOps = await lineageOps({
      ...lineage,
      id: 'ingest1',
      points: bigRows * KEYS,
      lastStep: big.run.step - 1,
    })
    // Flat in history size: forking or rewinding the big run costs about what the 1 k run does.
    report({
      figure: 'lineage_ratio_big_vs_small',
      dialect,
      fork: bigOps.fork / smallOps.fork,
      rewind: bigOps.rewind / smallOps.rewind,
      target: '<= 2',
    })
    await forkReadCost({ ...lineage, parentId: 'ingest1', forkId: bigOps.forkId, key: 'metric_0' })
  } finally {
    await a.stop()
  }

  // A second deployment for 32 concurrent runs; its database then gives the storage figure.
  // 1 M points per run: at 400 k points (20 k rows) per run, each process's start-up JIT work
  // (~0.27 s of CPU) weighs as much as the logging itself, which no sustained training run sees.
  const rowsPerRun = n(50_000)
  const b = await backend.deploy('parallel')
  try {
    measured.ingestMany = await ingestManyRuns({
      baseUrls: [b.baseUrl],
      runs: PARALLEL_RUNS,
      rowsPerRun,
      dialect,
    })
    const bytes = await b.bytesStored()
    const points = PARALLEL_RUNS * rowsPerRun * KEYS
    report({ figure: 'bytes_per_point', dialect, points, bytes, value: bytes / points, target: '<= 16' })
  } finally {
    await b.stop()
  }

  if (backend.maxReplicas >= 2) await replicaScaling(backend, { runs: PARALLEL_RUNS, rowsPerRun })

  await runsTable({ store: await backend.openStore('runs_table'), runs: n(100_000), dialect })
  return measured
}

/** PostgreSQL against SQLite on the figures whose goals are stated relative to SQLite. */
export function dialectRatios(sqlite, postgres) {
  for (const [runs, key] of [
    [1, 'ingestOne'],
    [PARALLEL_RUNS, 'ingestMany'],
  ]) {
    report({
      figure: 'postgres_vs_sqlite_ingest',
      runs,
      sqlite: sqlite[key],
      postgres: postgres[key],
      ratio: postgres[key] / sqlite[key],
      target: '>= 0.5',
    })
  }
  for (const steps of Object.keys(sqlite.m4p95)) {
    report({
      figure: 'postgres_vs_sqlite_m4_p95',
      steps: Number(steps),
      sqlite: sqlite.m4p95[steps],
      postgres: postgres.m4p95[steps],
      ratio: postgres.m4p95[steps] / sqlite.m4p95[steps],
      target: '<= 2',
    })
  }
}
