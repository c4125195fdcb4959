import { SqlAuthRepository } from './auth-repository.js'
import { createContext } from './context.js'
import { SqlFileRepository } from './files/file-repository.js'
import { SqlHistoryRepository } from './history/history-repository.js'
import type { Store } from './ports.js'
import { SqlRunRepository } from './runs/run-repository.js'
import type { Database } from './sql/executor.js'

/** The repositories over one database, whichever dialect it speaks. */
export function storeOver(db: Database): Store {
  const ctx = createContext(db)
  return {
    dialect: db.dialect.name,
    auth: new SqlAuthRepository(db),
    runs: new SqlRunRepository(ctx),
    history: new SqlHistoryRepository(ctx),
    files: new SqlFileRepository(ctx),
    database: db,
    transaction: (fn) =>
      ctx.tx((c) =>
        fn({
          runs: new SqlRunRepository(c),
          history: new SqlHistoryRepository(c),
          files: new SqlFileRepository(c),
        }),
      ),
    close: () => db.close(),
  }
}
