import type { SqlDialect } from './dialect.js'

export interface RunResult {
  /** Rows the statement inserted, updated or deleted. */
  changes: number
}

/**
 * Where repositories send SQL. Statements are written once, with `?` for positional parameters or
 * `@name` with one object of named ones; each dialect's executor translates and caches them.
 * Everything is async so a networked database fits the same code as the embedded one.
 */
export interface Executor {
  readonly dialect: SqlDialect
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>
  run(sql: string, ...params: unknown[]): Promise<RunResult>
  /** Parameterless SQL such as DDL. */
  exec(sql: string): Promise<void>
  /**
   * Runs `fn` in one transaction (a savepoint when this executor is already in one). `fn` must send
   * its SQL through the executor it is given: that is the transaction's connection. A throw rolls
   * everything back and rethrows.
   */
  tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R>
  /**
   * Runs `fn`'s reads on one consistent snapshot: what it sends through the executor it is given
   * sees no commit made meanwhile, so a read over several statements (a chart over many chunks)
   * never meets rows that another writer deleted between two of them. Inside a transaction, `fn`
   * simply runs in it.
   */
  snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R>
}

/** A notification from another connection, possibly in another server process. */
export type NotificationHandler = (payload: string) => void

/** The root executor of a store: owns the connection(s). */
export interface Database extends Executor {
  /**
   * Delivers `notify(channel, …)` calls to `handler`, from this process and, where the database
   * can carry them (PostgreSQL LISTEN/NOTIFY), from every other process on the same database.
   * Returns a function that unsubscribes.
   */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>
  /** Sends a notification to every listener of `channel`; call it after the change committed. */
  notify(channel: string, payload: string): Promise<void>
  /** Resolves when the database answers a trivial query; rejects with its error otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** Channel names are identifiers in SQL (LISTEN has no parameter form), so they are checked here. */
export function checkChannel(channel: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notification channel ${channel}`)
  return channel
}
