// The runs table: list a project of 100 k runs with a filter and a sort, in the store itself
// (filling 100 k runs over HTTP would measure run creation, not listing).
import { median, report } from '../harness.js'

async function fill(store, runs) {
  for (let i = 0; i < runs; i++) {
    const ref = { entity: 'e', project: 'p', runId: `r${i}` }
    await store.runs.create({
      ...ref,
      heartbeatTimeoutS: 60,
      now: i,
      config: { lr: (i % 100) / 1000, arch: i % 3 ? 'cnn' : 'mlp', layers: i % 7 },
      tags: i % 5 ? [] : ['best'],
    })
    const history = {
      steps: [0],
      runtime: [1],
      timestamp: [1],
      columns: { loss: [(i * 7919) % 1000], acc: [i % 97] },
    }
    await store.history.ingest(ref, { writerId: 'w', seq: 1, history }, i)
  }
}

/** `store` is an empty store of the given dialect; the figure closes it. */
export async function runsTable({ store, runs, dialect }) {
  await fill(store, runs)
  const queries = {
    'config filter, summary sort': {
      filter: { 'config.arch': 'cnn', 'config.lr': { $gt: 0.05 } },
      order: '-summary.loss',
    },
    'tag filter, name sort': { filter: { tags: 'best' }, order: 'name' },
    'newest first': {},
  }
  for (const [query, q] of Object.entries(queries)) {
    const samples = []
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now()
      await store.runs.list({ entity: 'e', project: 'p', limit: 50, offset: 0, now: runs, ...q })
      samples.push(performance.now() - t0)
    }
    report({ figure: 'runs_table_ms', dialect, runs, query, median: median(samples), target: '<= 300' })
  }
  await store.close()
}
