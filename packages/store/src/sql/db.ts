import type { SqlDialect } from './dialect.js'

/** The subset of a better-sqlite3 statement that the store uses. */
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
}

/** The subset of a better-sqlite3 database that the store uses (structural, so the driver stays swappable). */
export interface Driver {
  prepare(sql: string): Statement
  exec(sql: string): unknown
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R
  close(): unknown
}

/**
 * A connection plus a statement cache: preparing is the expensive part of a small query, and the
 * ingest path runs the same few statements thousands of times a second.
 */
export class Db {
  private readonly cache = new Map<string, Statement>()

  constructor(
    readonly driver: Driver,
    readonly dialect: SqlDialect,
  ) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.driver.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[]
  }

  run(sql: string, ...params: unknown[]): { changes: number; lastInsertRowid: number | bigint } {
    return this.stmt(sql).run(...params)
  }

  /** Runs `fn` in one transaction (a savepoint when nested); a throw rolls everything back. */
  tx<R>(fn: () => R): R {
    return this.driver.transaction(fn)()
  }
}
