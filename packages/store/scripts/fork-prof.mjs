import { openSqliteStore } from '../dist/index.js'
const store = openSqliteStore({ path: process.argv[2] })
const ref = { entity: 'e', project: 'p', runId: 'big' }
const run = await store.runs.get(ref)
const times = []
for (let i = 0; i < 40; i++) {
  const t = performance.now()
  await store.runs.fork(ref, Math.floor(run.lastStep / 2) + i, {
    entity: 'e',
    project: 'p',
    runId: `pf-${Date.now()}-${i}`,
    heartbeatTimeoutS: 60,
    now: 0,
  })
  times.push(performance.now() - t)
}
console.log(times.map((t) => t.toFixed(1)).join(' '))
await store.close()
