/**
 * What differs between databases, as data. Shared code asks for a capability or a spelled-out
 * type, never for a dialect's name.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** Column types as this database spells them. */
  readonly types: {
    /** Auto-incrementing primary key that is never reused after a delete. */
    readonly serialPk: string
    readonly int: string
    readonly real: string
    /** Text that compares and sorts by code point, as JavaScript and SQLite do. */
    readonly text: string
    readonly blob: string
    /** JSON documents that filters and sorts look into (config, summary, metadata, tags). */
    readonly json: string
  }
  /** Tables keyed by a composite primary key can drop the hidden row id (SQLite's WITHOUT ROWID). */
  readonly tableSuffixForCompositeKey: string
  /** JSON columns hold the encoder's text as written (not re-normalised by the database). */
  readonly jsonStoredAsText: boolean
  /**
   * Cutting a slice out of a blob loads the whole blob first (SQLite), so several slices of one
   * blob cost less as one read of all of it. PostgreSQL reads only the slice's part of a value.
   */
  readonly sliceLoadsWholeBlob: boolean
  /**
   * Appended to a SELECT of the run row (aliased `r`) in a write transaction: holds the row until
   * commit, so concurrent writers to one run, in any process, apply one after another.
   */
  readonly lockRunRow: string
  /** Pragmas or session settings to run when a connection opens. */
  readonly connectionSetup: readonly string[]
  /**
   * A FROM-clause source `s` of rows of integers bound as parameters, so that a read of many rows
   * by id is one statement (one round trip, one call into the driver) however many rows it reads:
   * PostgreSQL unnests one array parameter per column, SQLite walks one JSON array of rows.
   */
  integerRows(columns: readonly string[]): IntegerRows
  /**
   * SQL for sorting by a top-level key of a JSON column, the key path bound as `@path` (see
   * `jsonPath`) and the store's non-finite tags as `@inf`, `@ninf`, `@nan`: `num` is the number
   * there (±Infinity included, NaN and non-numbers NULL), `text` the string there (else NULL).
   */
  jsonSortKey(column: string): { num: string; text: string }
  /** The `@path` parameter naming `key`, or undefined when this dialect cannot address it safely. */
  jsonPath(key: string): string | undefined
  /**
   * SQL over the value at a bound path: `num` (a JSON number, else NULL), `text` (a JSON string,
   * else NULL), and conditions `isArray` and `exists`.
   */
  jsonAt(column: string, pathParam: string): { num: string; text: string; isArray: string; exists: string }
  /** Whether an error is a unique-constraint violation (two writers racing to create one row). */
  isUniqueViolation(err: unknown): boolean
  /** Whether an error is a foreign-key violation (a row still referenced, or one gone meanwhile). */
  isForeignKeyViolation(err: unknown): boolean
}

/** See `SqlDialect.integerRows`. */
export interface IntegerRows {
  /** SQL for the FROM clause, naming the source `s` and its columns as asked. */
  source: string
  /** The parameters that bind these rows (each as many integers as there are columns). */
  bind(rows: readonly (readonly number[])[]): unknown[]
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  types: {
    // AUTOINCREMENT so a deleted run's pk is never handed to a new run (lineage keeps pks around).
    serialPk: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    int: 'INTEGER',
    real: 'REAL',
    text: 'TEXT',
    blob: 'BLOB',
    json: 'TEXT',
  },
  tableSuffixForCompositeKey: ' WITHOUT ROWID',
  jsonStoredAsText: true,
  sliceLoadsWholeBlob: true,
  // One connection per file and BEGIN IMMEDIATE already serialise writers.
  lockRunRow: '',
  integerRows(columns) {
    const picks = columns.map((c, i) => `value ->> ${i} AS ${c}`).join(', ')
    return { source: `(SELECT ${picks} FROM json_each(?)) AS s`, bind: (rows) => [JSON.stringify(rows)] }
  },
  connectionSetup: [
    'PRAGMA journal_mode = WAL',
    // NORMAL in WAL mode loses at most the last transactions on power loss, never integrity.
    'PRAGMA synchronous = NORMAL',
    'PRAGMA foreign_keys = ON',
    // Chart reads touch many chunk pages; a larger cache and mmap keep them out of syscalls.
    'PRAGMA cache_size = -65536',
    'PRAGMA mmap_size = 268435456',
    'PRAGMA busy_timeout = 5000',
  ],
  jsonSortKey(column) {
    const type = `json_type(${column}, @path)`
    const raw = `json_extract(${column}, @path)`
    return {
      // 9e999 is how SQLite spells infinity.
      num: `CASE WHEN ${type} IN ('integer', 'real') THEN ${raw} WHEN ${type} = 'text' THEN CASE ${raw}
        WHEN @inf THEN 9e999 WHEN @ninf THEN -9e999 END END`,
      text: `CASE WHEN ${type} = 'text' AND ${raw} NOT IN (@inf, @ninf, @nan) THEN ${raw} END`,
    }
  },
  jsonAt(column, p) {
    const type = `json_type(${column}, @${p})`
    const raw = `json_extract(${column}, @${p})`
    return {
      num: `CASE WHEN ${type} IN ('integer', 'real') THEN ${raw} END`,
      text: `CASE WHEN ${type} = 'text' THEN ${raw} END`,
      isArray: `${type} = 'array'`,
      exists: `${type} IS NOT NULL`,
    }
  },
  jsonPath(key) {
    return /^[^".\\[\]$]+$/.test(key) ? `$."${key}"` : undefined
  },
  isUniqueViolation(err) {
    const code = (err as { code?: string }).code
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  },
  isForeignKeyViolation: (err) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY',
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  types: {
    // Identity values are never reused either.
    serialPk: 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
    int: 'BIGINT',
    real: 'DOUBLE PRECISION',
    text: 'TEXT COLLATE "C"',
    blob: 'BYTEA',
    json: 'JSONB',
  },
  tableSuffixForCompositeKey: '',
  jsonStoredAsText: false,
  sliceLoadsWholeBlob: false,
  lockRunRow: ' FOR UPDATE OF r',
  integerRows(columns) {
    const arrays = columns.map(() => 'CAST(? AS BIGINT[])').join(', ')
    return {
      source: `unnest(${arrays}) AS s(${columns.join(', ')})`,
      bind: (rows) => columns.map((_, i) => rows.map((r) => r[i])),
    }
  },
  connectionSetup: [],
  jsonSortKey(column) {
    const at = `${column} -> CAST(@path AS text)`
    const raw = `(${column} ->> CAST(@path AS text))`
    return {
      num: `CASE jsonb_typeof(${at}) WHEN 'number' THEN CAST(${raw} AS double precision) WHEN 'string' THEN CASE ${raw}
        WHEN @inf THEN CAST('Infinity' AS double precision) WHEN @ninf THEN CAST('-Infinity' AS double precision) END END`,
      text: `CASE WHEN jsonb_typeof(${at}) = 'string' AND ${raw} NOT IN (@inf, @ninf, @nan) THEN ${raw} COLLATE "C" END`,
    }
  },
  jsonAt(column, p) {
    const at = `${column} -> CAST(@${p} AS text)`
    const raw = `(${column} ->> CAST(@${p} AS text))`
    return {
      num: `CASE WHEN jsonb_typeof(${at}) = 'number' THEN CAST(${raw} AS double precision) END`,
      text: `CASE WHEN jsonb_typeof(${at}) = 'string' THEN ${raw} COLLATE "C" END`,
      isArray: `jsonb_typeof(${at}) = 'array'`,
      exists: `${at} IS NOT NULL`,
    }
  },
  // A bound parameter names the key, so any key is safe.
  jsonPath: (key) => key,
  isUniqueViolation: (err) => (err as { code?: string }).code === '23505',
  isForeignKeyViolation: (err) => (err as { code?: string }).code === '23503',
}
