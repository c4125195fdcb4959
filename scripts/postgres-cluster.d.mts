/** A throwaway PostgreSQL cluster in a temp directory, on a free loopback port. */
export interface PostgresCluster {
  /** Connection URL of the cluster's `postgres` database (superuser, trust auth on loopback). */
  url: string
  port: number
  dir: string
  /** Stops the server (fast shutdown); the data stays until `destroy`. */
  stop(): void
  /** Starts it again on the same port and data. */
  start(): void
  /** The connection URL of another database on this cluster. */
  urlOf(database: string): string
  /** Runs SQL through psql; returns the unaligned rows, one per line, without headers. */
  psql(sql: string, database?: string): string
  destroy(): void
}

export interface PostgresClusterOptions {
  /** Keep fsync, synchronous commit and full-page writes on (off by default: tests need speed). */
  durable?: boolean
}

/** The directory holding initdb and pg_ctl (STEMMA_TEST_PG_BIN, else the newest Debian install). */
export function findPostgresBin(): string

export function freePort(): Promise<number>

export function startPostgresCluster(options?: PostgresClusterOptions): Promise<PostgresCluster>
