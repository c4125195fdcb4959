// Replica scaling: the same ingest through one and through two `stemma server` processes on one
// PostgreSQL database, each server held to the same CPU share, as if each ran on a machine of
// its own. The writers replay the request bodies the SDK sent for one run, so their own cost
// (training processes live on other machines in a real deployment) stays off the servers' cores.
import { logRun } from './ingest.js'
import { API_KEY, api, cpuSeconds, report, startServer } from '../harness.js'
import { limitCpu } from '../cpu-limit.js'

const KEYS = 20

/**
 * The batch bodies `@stemma/sdk` posts for one run of `rows` rows, in order, as it sent them to a
 * throwaway server (the SDK posts through the global `fetch`, watched here while the run logs).
 */
export async function recordBatches(rows) {
  const server = await startServer()
  const bodies = []
  const realFetch = globalThis.fetch
  globalThis.fetch = (url, init) => {
    if (init?.method === 'POST' && String(url).endsWith('/batches')) bodies.push(init.body)
    return realFetch(url, init)
  }
  try {
    await logRun({ baseUrl: server.baseUrl, project: 'recorded', rows, id: 'rec' })
  } finally {
    globalThis.fetch = realFetch
    await server.stop()
  }
  if (bodies.length === 0 || bodies.some((b) => typeof b !== 'string'))
    throw new Error('the SDK sent no batch bodies that could be replayed')
  return bodies
}

/**
 * `runs` runs, run i created and fed through server i mod n, all at once; checks that every run
 * holds all its rows. Returns the seconds from the first batch to the last acknowledgement, and
 * how many requests were retried.
 */
async function replay(baseUrls, runs, bodies, rows, project) {
  let retried = 0
  // As the SDK does: a 503 (a server whose connections are all busy) is retried after Retry-After.
  const post = async (url, body) => {
    for (;;) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body,
      })
      if (res.status === 503) {
        await res.arrayBuffer()
        retried++
        await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)))
        continue
      }
      if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
      return
    }
  }
  const bases = Array.from({ length: runs }, (_, i) => baseUrls[i % baseUrls.length])
  await Promise.all(
    bases.map((base, i) => post(`${base}/api/v1/runs`, JSON.stringify({ project, id: `rep${i}` }))),
  )
  const started = performance.now()
  await Promise.all(
    bases.map(async (base, i) => {
      for (const body of bodies) await post(`${base}/api/v1/runs/admin/${project}/rep${i}/batches`, body)
    }),
  )
  const seconds = (performance.now() - started) / 1000
  for (let i = 0; i < runs; i++) {
    // Read through the other replica: what one wrote, every one serves.
    const run = await api(baseUrls[(i + 1) % baseUrls.length], `/api/v1/runs/admin/${project}/rep${i}`)
    if (run.lastStep !== rows - 1)
      throw new Error(`run rep${i} holds steps to ${run.lastStep}, not ${rows - 1}`)
  }
  return { seconds, retried }
}

/**
 * The 32-run ingest on one replica and on two (16 runs each), every server limited to the same
 * `cores` of CPU. Without a writable cgroup CPU controller the servers run unlimited, and the
 * figure says so: then both replicas share the machine's cores with PostgreSQL.
 */
export async function replicaScaling(backend, { runs, rowsPerRun, cores = 1 / 3 }) {
  const bodies = await recordBatches(rowsPerRun)
  const points = runs * rowsPerRun * KEYS
  const perServer = {}
  for (const replicas of [1, 2]) {
    const c = await backend.deploy(`replicas${replicas}`, { replicas })
    try {
      const limits = c.servers.map((s, i) => limitCpu(s.pid, `stemma-bench-replica-${i}`, cores))
      const cpuBefore = c.servers.map((s) => cpuSeconds(s.pid))
      const { seconds, retried } = await replay(
        c.servers.map((s) => s.baseUrl),
        runs,
        bodies,
        rowsPerRun,
        'bench-replicas',
      )
      // Each server's share of a core while it ingested: the limit, held.
      const used = c.servers.map((s, i) => (cpuSeconds(s.pid) - cpuBefore[i]) / seconds)
      for (const limit of limits) limit?.release()
      perServer[replicas] = { value: Math.round(points / seconds), limited: limits.every(Boolean) }
      report({
        figure: 'ingest_points_per_s',
        dialect: backend.dialect,
        runs,
        servers: replicas,
        cpu_per_server: perServer[replicas].limited ? cores : null,
        cpu_used_per_server: used,
        writers: 'replayed SDK batches',
        retried_503: retried,
        points,
        seconds,
        value: perServer[replicas].value,
        target: '— (see replica_ingest_ratio)',
      })
    } finally {
      await c.stop()
    }
  }
  report({
    figure: 'replica_ingest_ratio',
    dialect: backend.dialect,
    runs,
    cpu_per_server: perServer[1].limited && perServer[2].limited ? cores : null,
    one_server: perServer[1].value,
    two_servers: perServer[2].value,
    ratio: perServer[2].value / perServer[1].value,
    target: '>= 1.5',
  })
}
