import { ChunkStore } from './history/chunks.js'
import { Segments } from './history/segments.js'
import { RunStats } from './runs/stats-table.js'
import type { Db } from './sql/db.js'

/** The collaborators every repository shares over one connection. */
export interface StoreContext {
  db: Db
  chunks: ChunkStore
  segments: Segments
  stats: RunStats
}

export function createContext(db: Db): StoreContext {
  return { db, chunks: new ChunkStore(db), segments: new Segments(db), stats: new RunStats(db) }
}
