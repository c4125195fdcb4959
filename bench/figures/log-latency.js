// SDK `log()` cost for a 20-scalar dict, measured per call in an offline run (no network).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as stemma from '@stemma/sdk'
import { percentile, report, scalarRows } from '../harness.js'

export async function logLatency({ calls = 1_000_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'stemma-bench-log-'))
  const run = await stemma.init({ project: 'bench', mode: 'offline', dir, settings: { quiet: true } })
  const rows = scalarRows()
  const samples = new Float64Array(calls)
  for (let i = 0; i < calls; i++) {
    const row = rows[i % 1000]
    const t0 = process.hrtime.bigint()
    run.log(row)
    samples[i] = Number(process.hrtime.bigint() - t0)
    // Let the background flusher run as it would between training steps.
    if (i % 10_000 === 9_999) await new Promise((r) => setImmediate(r))
  }
  await run.finish()
  rmSync(dir, { recursive: true, force: true })
  samples.sort()
  const p50 = percentile(samples, 50)
  report({
    figure: 'sdk_log_ns',
    keys: 20,
    calls,
    p50,
    p99: percentile(samples, 99),
    target: 'p50 <= 1000, p99 <= 10000',
  })
  return p50
}
