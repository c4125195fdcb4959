// Chart queries (M4 buckets) and lineage operations against a running server.
import * as stemma from '@stemma/sdk'
import { API_KEY, api, percentile, report } from '../harness.js'

async function timed(fn, repeats) {
  const samples = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await fn(i)
    samples.push(performance.now() - t0)
  }
  return samples.sort((a, b) => a - b)
}

export async function loadOneMetric({ baseUrl, project, id, steps }) {
  const run = await stemma.init({ project, id, baseUrl, apiKey: API_KEY, settings: { quiet: true } })
  for (let i = 0; i < steps; i++) {
    run.log({ loss: Math.sin(i / 1000) + (i % 9973 === 0 ? 5 : 0) })
    if (i % 10_000 === 9_999) await new Promise((r) => setImmediate(r))
  }
  await run.finish()
  return run
}

/** @returns the p95 in milliseconds */
export async function bucketQuery({ baseUrl, entity, project, id, steps, dialect, repeats = 50 }) {
  const path = `/api/v1/runs/${entity}/${project}/${id}/history/buckets?key=loss&buckets=1000`
  const samples = await timed(() => api(baseUrl, path), repeats)
  const p95 = percentile(samples, 95)
  report({
    figure: 'm4_query_ms',
    dialect,
    steps,
    buckets: 1000,
    p50: percentile(samples, 50),
    p95,
    target: steps > 1e6 ? 'p95 <= 50' : 'p95 <= 20',
  })
  return p95
}

/** Fork and rewind cost for a run of `points` points, and the cost of reading a fork's buckets. */
export async function lineageOps({ baseUrl, project, id, points, lastStep, dialect, repeats = 20 }) {
  const forkStep = Math.floor(lastStep / 2)
  const fork = await timed(
    (i) =>
      api(baseUrl, '/api/v1/runs', {
        method: 'POST',
        body: JSON.stringify({ project, id: `${id}-f${i}`, forkFrom: `${id}?_step=${forkStep}` }),
      }),
    repeats,
  )
  const rewind = await timed(
    (i) =>
      api(baseUrl, '/api/v1/runs', {
        method: 'POST',
        body: JSON.stringify({ project, id, resumeFrom: `${id}?_step=${lastStep - 1 - i}` }),
      }),
    repeats,
  )
  report({
    figure: 'fork_ms',
    dialect,
    points,
    p50: percentile(fork, 50),
    p95: percentile(fork, 95),
    target: '<= 20',
  })
  report({
    figure: 'rewind_ms',
    dialect,
    points,
    p50: percentile(rewind, 50),
    p95: percentile(rewind, 95),
    target: '<= 20',
  })
  return { fork: percentile(fork, 50), rewind: percentile(rewind, 50), forkId: `${id}-f0` }
}

export async function forkReadCost({
  baseUrl,
  entity,
  project,
  parentId,
  forkId,
  key,
  dialect,
  repeats = 30,
}) {
  const q = (id) => `/api/v1/runs/${entity}/${project}/${id}/history/buckets?key=${key}&buckets=1000`
  const parent = await timed(() => api(baseUrl, q(parentId)), repeats)
  const forked = await timed(() => api(baseUrl, q(forkId)), repeats)
  report({
    figure: 'fork_buckets_read_ms',
    dialect,
    parent_p50: percentile(parent, 50),
    fork_p50: percentile(forked, 50),
    ratio: percentile(forked, 50) / percentile(parent, 50),
    target: 'fork <= parent',
  })
}
