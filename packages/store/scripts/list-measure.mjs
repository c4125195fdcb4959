// Throwaway: runs table with 100k runs, filter + sort. node packages/store/scripts/list-measure.mjs
import { openSqliteStore } from '../dist/index.js'
const store = openSqliteStore({ path: ':memory:' })
const N = Number(process.env.RUNS ?? 100_000)
let t = performance.now()
for (let i = 0; i < N; i++) {
  const ref = { entity: 'e', project: 'p', runId: `r${i}` }
  await store.runs.create({
    ...ref,
    heartbeatTimeoutS: 60,
    now: i,
    config: { lr: (i % 100) / 1000, arch: i % 3 ? 'cnn' : 'mlp', layers: i % 7 },
    tags: i % 5 ? [] : ['best'],
  })
  await store.history.ingest(
    ref,
    {
      writerId: 'w',
      seq: 1,
      history: {
        steps: [0],
        runtime: [1],
        timestamp: [1],
        columns: { loss: [Math.random()], acc: [Math.random()] },
      },
    },
    i,
  )
}
console.log('filled', N, Math.round(performance.now() - t), 'ms')
for (const [label, q] of [
  ['default order, first page', {}],
  [
    'filter config + sort summary',
    { filter: { 'config.arch': 'cnn', 'config.lr': { $gt: 0.05 } }, order: '-summary.loss' },
  ],
  ['tags filter, sort name', { filter: { tags: 'best' }, order: 'name' }],
  ['no filter, sort summary', { order: '-summary.loss' }],
]) {
  const times = []
  for (let i = 0; i < 5; i++) {
    t = performance.now()
    const r = await store.runs.list({ entity: 'e', project: 'p', limit: 50, offset: 0, ...q })
    times.push(performance.now() - t)
    if (i === 0) console.log(label, 'total', r.total)
  }
  console.log(label, times.map((x) => x.toFixed(0)).join(' '), 'ms')
}
