import { encodeNumber, type IngestBatch, type WireNumber } from '@stemma/core'
import type { CreateRunInput, RunRef, Store } from '../src/index.js'

export const NOW = 1_700_000_000_000

export function ref(runId: string, project = 'p'): RunRef {
  return { entity: 'e', project, runId }
}

export function runInput(runId: string, extra: Partial<CreateRunInput> = {}): CreateRunInput {
  return { entity: 'e', project: 'p', runId, heartbeatTimeoutS: 300, now: NOW, ...extra }
}

/** A batch of rows given as plain objects; missing keys become nulls in the columns. */
export function batchOf(
  writerId: string,
  seq: number,
  rows: { step: number; [key: string]: number }[],
): IngestBatch {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'step')
  const columns: Record<string, (WireNumber | null)[]> = {}
  for (const k of keys) columns[k] = rows.map((r) => (k in r ? encodeNumber(r[k]!) : null))
  return {
    writerId,
    seq,
    history: {
      steps: rows.map((r) => r.step),
      runtime: rows.map((r) => r.step / 10),
      timestamp: rows.map((r) => NOW / 1000 + r.step),
      columns,
    },
  }
}

/** Logs `rows` to a run in batches of `size`, continuing the writer's sequence numbers. */
export async function logRows(
  store: Store,
  run: RunRef,
  rows: { step: number; [key: string]: number }[],
  size = 1000,
  writer = 'w',
): Promise<void> {
  const key = `${run.project}/${run.runId}/${writer}`
  const perStore = seqs.get(store) ?? new Map<string, number>()
  seqs.set(store, perStore)
  let seq = perStore.get(key) ?? 0
  for (let i = 0; i < rows.length; i += size) {
    await store.history.ingest(run, batchOf(writer, ++seq, rows.slice(i, i + size)), NOW)
  }
  perStore.set(key, seq)
}

/** Writer sequence numbers per store, so helpers can keep logging to the same run. */
const seqs = new WeakMap<Store, Map<string, number>>()

/** A small seeded PRNG so random tests are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every point of one key in a run's view, in step order. */
export async function seriesOf(
  store: Store,
  run: RunRef,
  key: string,
): Promise<{ steps: number[]; values: number[] }> {
  const out = await store.history.read(run, { keys: [key] })
  const steps: number[] = []
  const values: number[] = []
  const column = out.columns[key] ?? []
  column.forEach((v, i) => {
    if (v !== null) {
      steps.push(out.steps[i]!)
      values.push(v)
    }
  })
  return { steps, values }
}
