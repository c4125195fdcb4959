import { ChunkStore } from './history/chunks.js'
import { Segments } from './history/segments.js'
import { RunStats } from './runs/stats-table.js'
import type { Executor } from './sql/executor.js'

/** The collaborators every repository shares, bound to one executor (the store's, or a transaction's). */
export interface StoreContext {
  db: Executor
  chunks: ChunkStore
  segments: Segments
  stats: RunStats
  /** The same collaborators bound to `db`, e.g. a transaction's executor. */
  on(db: Executor): StoreContext
  /** Runs `fn` in one transaction with a context bound to it. */
  tx<R>(fn: (ctx: StoreContext) => Promise<R>): Promise<R>
  /** Runs `fn` on one consistent snapshot (see `Executor.snapshot`) with a context bound to it. */
  snapshot<R>(fn: (ctx: StoreContext) => Promise<R>): Promise<R>
}

export function createContext(db: Executor, runIds = new Map<number, string>()): StoreContext {
  const ctx: StoreContext = {
    db,
    chunks: new ChunkStore(db),
    segments: new Segments(db, runIds),
    stats: new RunStats(db),
    on: (other) => (other === db ? ctx : createContext(other, runIds)),
    tx: (fn) => db.tx((tx) => fn(ctx.on(tx))),
    snapshot: (fn) => db.snapshot((snap) => fn(ctx.on(snap))),
  }
  return ctx
}
