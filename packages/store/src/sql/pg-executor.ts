import { StemmaError } from '@stemma/core'
import pg from 'pg'
import {
  checkChannel,
  type Database,
  type Executor,
  type NotificationHandler,
  type RunResult,
} from './executor.js'
import { postgresDialect } from './dialect.js'
import { numberPlaceholders, orderParams, type NumberedSql } from './placeholders.js'

/**
 * Values as the repositories expect them from SQLite: 64-bit integers and sums as numbers
 * (steps and counts stay far below 2^53), JSON columns as their text (the store's own decoder
 * restores tagged non-finite numbers).
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v)
    if (oid === 114 || oid === 3802) return (v: string) => v
    return pg.types.getTypeParser(oid, format)
  },
} as pg.CustomTypesConfig

/** SQLSTATE classes that mean the database (not the statement) is the problem: retry later. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  const code = e.code ?? ''
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
    code.startsWith('08') || // connection exception
    code.startsWith('57P') || // operator intervention: shutdown, cannot connect now
    code === '53300' || // too many connections
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      e.message ?? '',
    )
  )
}

/**
 * The pool's own refusal when every connection stayed busy for the whole connect timeout: the
 * database is fine, this process is saturated, and the request may be retried like an outage.
 */
function isPoolExhausted(err: unknown): boolean {
  return (err as { message?: string }).message === 'timeout exceeded when trying to connect'
}

/** Never lets a driver message (which may carry host names or user names) reach a client as-is. */
function translate(err: unknown): unknown {
  if (isPoolExhausted(err)) {
    return new StemmaError(
      'UNAVAILABLE',
      'Every database connection of this server stayed busy; retry shortly (a server that is often this busy needs more CPU or more replicas).',
      { retryAfterS: 1, cause: 'POOL_EXHAUSTED' },
    )
  }
  if (isUnavailable(err)) {
    // The code (ECONNREFUSED, 57P01, …) says what happened without naming hosts or users.
    const code = (err as { code?: string }).code
    return new StemmaError(
      'UNAVAILABLE',
      `The database is unavailable${code ? ` (${code})` : ''}; retry shortly.`,
      { retryAfterS: 2, ...(code && { cause: code }) },
    )
  }
  return err
}

/**
 * One pooled connection, shared by a transaction and its savepoints. It runs one statement at a
 * time: statements a caller sends concurrently (a chart's reads in one snapshot) wait their turn
 * here, not in the driver, which deprecates queueing.
 */
class Connection implements Queryable {
  private last: Promise<unknown> = Promise.resolve()

  constructor(readonly client: pg.PoolClient) {}

  query(config: pg.QueryConfig): Promise<pg.QueryResult> {
    const next = this.last.then(() => this.client.query(config))
    this.last = next.catch(() => {})
    return next
  }
}

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>
}

/**
 * Statement text translated once per SQL string and prepared once per connection under a stable
 * name: the driver skips the parse step when a connection has seen the name before.
 */
class StatementCache {
  private readonly byText = new Map<string, NumberedSql & { name: string }>()

  config(sql: string, params: unknown[]): pg.QueryConfig {
    let s = this.byText.get(sql)
    if (!s) {
      s = { ...numberPlaceholders(sql), name: `s${this.byText.size + 1}` }
      this.byText.set(sql, s)
    }
    return { name: s.name, text: s.text, values: orderParams(s, params) }
  }
}

abstract class PgExecutorBase implements Executor {
  readonly dialect = postgresDialect

  constructor(protected readonly statements: StatementCache) {}

  protected abstract target(): Queryable

  async get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined
  }

  async all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[]
  }

  async run(sql: string, ...params: unknown[]): Promise<RunResult> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.target().query({ text: sql })
    } catch (err) {
      throw translate(err)
    }
  }

  abstract tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R>
  abstract snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R>

  private async query(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.target().query(this.statements.config(sql, params))
    } catch (err) {
      throw translate(err)
    }
  }
}

class PgTransaction extends PgExecutorBase {
  ended = false

  constructor(
    statements: StatementCache,
    private readonly client: Connection,
    private readonly depth: number,
  ) {
    super(statements)
  }

  protected target(): Queryable {
    if (this.ended) throw new Error('a transaction handle was used after its transaction ended')
    return this.client
  }

  snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R> {
    return fn(this)
  }

  async tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    const name = `sp${this.depth + 1}`
    await this.exec(`SAVEPOINT ${name}`)
    const inner = new PgTransaction(this.statements, this.client, this.depth + 1)
    try {
      const result = await fn(inner)
      await this.exec(`RELEASE SAVEPOINT ${name}`)
      return result
    } catch (err) {
      await this.exec(`ROLLBACK TO SAVEPOINT ${name}`)
      throw err
    } finally {
      inner.ended = true
    }
  }
}

export interface PgDatabaseOptions {
  connectionString: string
  /** Connections in the pool; each request holds one only for the length of a statement or transaction. */
  max?: number
  /** Milliseconds to wait for a connection before the request fails as unavailable. */
  connectTimeoutMs?: number
}

/** PostgreSQL through a `pg` pool. Transactions take a pooled connection for their length. */
export class PgDatabase extends PgExecutorBase implements Database {
  readonly pool: pg.Pool
  private listener: Promise<pg.Client> | undefined
  /** The connected listener, so a late error from a replaced one changes nothing. */
  private listenerConnection: pg.Client | undefined
  private closed = false
  private readonly handlers = new Map<string, Set<NotificationHandler>>()
  private readonly connectionString: string

  constructor(options: PgDatabaseOptions) {
    super(new StatementCache())
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      types: TYPES,
    })
    // An idle pooled connection that the server drops must not crash the process; the next
    // query gets a fresh connection (or fails as unavailable).
    this.pool.on('error', () => {})
    this.connectionString = options.connectionString
  }

  protected target(): Queryable {
    return this.pool
  }

  tx<R>(fn: (tx: Executor) => Promise<R>): Promise<R> {
    return this.transaction('BEGIN', fn)
  }

  /** REPEATABLE READ: every statement of the transaction reads the snapshot its first one took. */
  snapshot<R>(fn: (db: Executor) => Promise<R>): Promise<R> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn)
  }

  private async transaction<R>(begin: string, fn: (tx: Executor) => Promise<R>): Promise<R> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      throw translate(err)
    }
    const handle = new PgTransaction(this.statements, new Connection(client), 0)
    let broken = false
    // A checked-out connection has no listener of the pool's: without this, the database closing
    // it between two statements (a restart) would be an uncaught error that ends the process.
    // The statement in flight fails on its own; the connection is then discarded, not reused.
    const onError = () => (broken = true)
    client.on('error', onError)
    try {
      await handle.exec(begin)
      const result = await fn(handle)
      await handle.exec('COMMIT')
      return result
    } catch (err) {
      try {
        await client.query('ROLLBACK')
      } catch {
        broken = true
      }
      throw err
    } finally {
      handle.ended = true
      client.off('error', onError)
      client.release(broken)
    }
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    checkChannel(channel)
    let set = this.handlers.get(channel)
    if (!set) {
      set = new Set()
      try {
        const client = await this.listenerClient()
        await client.query(`LISTEN ${channel}`)
      } catch (err) {
        throw translate(err)
      }
      this.handlers.set(channel, set)
    }
    set.add(handler)
    return async () => void set.delete(handler)
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.get('SELECT pg_notify(?, ?) AS sent', checkChannel(channel), payload)
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok')
  }

  async close(): Promise<void> {
    this.closed = true
    const listener = this.listener
    this.listener = undefined
    await listener?.then((client) => client.end()).catch(() => {})
    await this.pool.end()
  }

  /**
   * One dedicated connection receives every channel's notifications. When it drops (a database
   * restart), it reconnects and listens again, so notifications resume without a server restart.
   */
  private listenerClient(): Promise<pg.Client> {
    this.listener ??= this.connectListener().catch((err: unknown) => {
      this.listener = undefined
      throw err
    })
    return this.listener
  }

  private async connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString, types: TYPES })
    client.on('notification', (msg) => {
      for (const h of this.handlers.get(msg.channel) ?? []) h(msg.payload ?? '')
    })
    client.on('error', () => {
      void client.end().catch(() => {})
      if (this.listenerConnection !== client) return
      this.listenerConnection = undefined
      this.listener = undefined
      setTimeout(() => void this.relisten(), 1000).unref()
    })
    await client.connect()
    if (this.closed) {
      await client.end().catch(() => {})
      throw new Error('the database was closed')
    }
    this.listenerConnection = client
    return client
  }

  private async relisten(): Promise<void> {
    if (this.closed || this.handlers.size === 0) return
    try {
      const client = await this.listenerClient()
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`)
    } catch {
      setTimeout(() => void this.relisten(), 1000).unref()
    }
  }
}
