import type BetterSqlite3 from 'better-sqlite3'
import {
  checkChannel,
  type Database,
  type Executor,
  type NotificationHandler,
  type RunResult,
} from './executor.js'
import { sqliteDialect } from './dialect.js'

type Statement = BetterSqlite3.Statement<unknown[], unknown>

/**
 * better-sqlite3 behind the async executor. Statements run synchronously and are cached by SQL
 * text (preparing is the expensive part of a small query). There is one connection, so a
 * transaction holds it: while one is open, statements from outside it wait until it ends, and
 * transactions run one after another.
 */
export class SqliteDatabase implements Database {
  readonly dialect = sqliteDialect
  private readonly cache = new Map<string, Statement>()
  private readonly listeners = new Map<string, Set<NotificationHandler>>()
  /** Settles when the open transaction ends; null while none is open. */
  private busy: Promise<void> | null = null

  constructor(readonly driver: BetterSqlite3.Database) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.driver.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    if (this.busy) return this.whenIdle(() => this.stmt(sql).get(...params) as T | undefined)
    return settle(() => this.stmt(sql).get(...params) as T | undefined)
  }

  all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    if (this.busy) return this.whenIdle(() => this.stmt(sql).all(...params) as T[])
    return settle(() => this.stmt(sql).all(...params) as T[])
  }

  run(sql: string, ...params: unknown[]): Promise<RunResult> {
    if (this.busy) return this.whenIdle(() => this.stmt(sql).run(...params))
    return settle(() => this.stmt(sql).run(...params))
  }

  exec(sql: string): Promise<void> {
    if (this.busy) return this.whenIdle(() => void this.driver.exec(sql))
    return settle(() => void this.driver.exec(sql))
  }

  tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    // IMMEDIATE takes the write lock up front, so another process on the same file waits at
    // BEGIN (busy_timeout) instead of failing at its first write.
    return this.transaction('BEGIN IMMEDIATE', fn)
  }

  /**
   * A read transaction: in WAL mode it reads one snapshot of the file, and holding the connection
   * keeps this process's writers out until it ends. It takes no write lock.
   */
  snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R> {
    return this.transaction('BEGIN DEFERRED', fn)
  }

  private async transaction<R>(begin: string, fn: (tx: Executor) => Promise<R>): Promise<R> {
    // No await between this check and taking `busy`, or two transactions could both start.
    while (this.busy) await this.busy
    let release!: () => void
    this.busy = new Promise((resolve) => (release = resolve))
    try {
      this.stmt(begin).run()
      const handle = new SqliteTransaction(this, 0)
      try {
        const result = await fn(handle)
        this.stmt('COMMIT').run()
        return result
      } catch (err) {
        if (this.driver.inTransaction) this.stmt('ROLLBACK').run()
        throw err
      } finally {
        handle.ended = true
      }
    } finally {
      this.busy = null
      release()
    }
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    checkChannel(channel)
    let set = this.listeners.get(channel)
    if (!set) this.listeners.set(channel, (set = new Set()))
    set.add(handler)
    return async () => void set.delete(handler)
  }

  /** In-process only: an embedded database has no other server processes to tell. */
  async notify(channel: string, payload: string): Promise<void> {
    for (const handler of this.listeners.get(checkChannel(channel)) ?? []) handler(payload)
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok')
  }

  async close(): Promise<void> {
    await this.whenIdle(() => {
      if (this.driver.open) this.driver.close()
    })
  }

  /**
   * Runs `fn` once no transaction is open. Several waiters may wake together: each re-checks, and
   * `fn` runs in the same turn as the check, so no transaction can start in between.
   */
  private async whenIdle<T>(fn: () => T): Promise<T> {
    while (this.busy) await this.busy
    return fn()
  }
}

/** The open transaction's view of the connection: statements run at once, nesting uses savepoints. */
class SqliteTransaction implements Executor {
  readonly dialect = sqliteDialect
  ended = false

  constructor(
    private readonly db: SqliteDatabase,
    private readonly depth: number,
  ) {}

  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return settle(() => this.stmt(sql).get(...params) as T | undefined)
  }

  all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return settle(() => this.stmt(sql).all(...params) as T[])
  }

  run(sql: string, ...params: unknown[]): Promise<RunResult> {
    return settle(() => this.stmt(sql).run(...params))
  }

  exec(sql: string): Promise<void> {
    return settle(() => void this.live().driver.exec(sql))
  }

  async tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const name = `sp${this.depth + 1}`
    this.stmt(`SAVEPOINT ${name}`).run()
    const inner = new SqliteTransaction(this.db, this.depth + 1)
    try {
      const result = await fn(inner)
      this.stmt(`RELEASE ${name}`).run()
      return result
    } catch (err) {
      this.stmt(`ROLLBACK TO ${name}`).run()
      this.stmt(`RELEASE ${name}`).run()
      throw err
    } finally {
      inner.ended = true
    }
  }

  snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R> {
    return fn(this)
  }

  private live(): SqliteDatabase {
    if (this.ended) throw new Error('a transaction handle was used after its transaction ended')
    return this.db
  }

  private stmt(sql: string): Statement {
    return this.live().stmt(sql)
  }
}

/** A synchronous result (or throw) as a settled promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err as Error)
  }
}
