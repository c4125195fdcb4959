// End-to-end ingest: SDK → HTTP → store, for one run and for 32 runs in parallel processes.
import { fork } from 'node:child_process'
import * as stemma from '@stemma/sdk'
import { API_KEY, report, scalarRows } from '../harness.js'

const KEYS = 20

/** Logs `rows` rows of 20 scalars as fast as the loop allows and waits until all is acknowledged. */
export async function logRun({ baseUrl, project, rows, id }) {
  const run = await stemma.init({ project, id, baseUrl, apiKey: API_KEY, settings: { quiet: true } })
  const data = scalarRows(KEYS)
  const started = performance.now()
  for (let i = 0; i < rows; i++) {
    run.log(data[i % 1000])
    if (i % 5_000 === 4_999) await new Promise((r) => setImmediate(r))
  }
  await run.finish()
  return { run, seconds: (performance.now() - started) / 1000 }
}

/** @returns the run and its points per second */
export async function ingestOneRun({ baseUrl, rows, dialect }) {
  const { run, seconds } = await logRun({ baseUrl, project: 'bench-ingest', rows, id: 'ingest1' })
  const value = Math.round((rows * KEYS) / seconds)
  report({
    figure: 'ingest_points_per_s',
    dialect,
    runs: 1,
    points: rows * KEYS,
    seconds,
    value,
    target: '>= 1000000',
  })
  return { run, value }
}

/**
 * `runs` training processes, each logging one run; process i talks to server i mod the number of
 * servers, so two replicas get half the writers each. Returns the points per second.
 */
export async function ingestManyRuns({ baseUrls, runs, rowsPerRun, dialect }) {
  const workers = Array.from({ length: runs }, (_, i) =>
    fork(
      new URL('../workers/log-run.js', import.meta.url).pathname,
      [baseUrls[i % baseUrls.length], String(rowsPerRun), `par${i}`],
      { stdio: 'inherit' },
    ),
  )
  const message = (w) =>
    new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)))
    })
  await Promise.all(workers.map(message)) // every run initialised
  const started = performance.now()
  const done = workers.map(message)
  for (const w of workers) w.send('go')
  await Promise.all(done)
  const seconds = (performance.now() - started) / 1000
  const points = runs * rowsPerRun * KEYS
  const value = Math.round(points / seconds)
  report({
    figure: 'ingest_points_per_s',
    dialect,
    runs,
    servers: baseUrls.length,
    points,
    seconds,
    value,
    target: '>= 1000000',
  })
  return value
}
