/**
 * What differs between databases, as data. Shared code asks for a capability or a spelled-out
 * type, never for a dialect's name, so a PostgreSQL dialect is one more object like this one.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres'
  /** Column types as this database spells them. */
  readonly types: {
    /** Auto-incrementing primary key that is never reused after a delete. */
    readonly serialPk: string
    readonly int: string
    readonly real: string
    readonly text: string
    readonly blob: string
  }
  /** Tables keyed by a composite primary key can drop the hidden row id (SQLite's WITHOUT ROWID). */
  readonly tableSuffixForCompositeKey: string
  /** Pragmas or session settings to run when a connection opens. */
  readonly connectionSetup: readonly string[]
  /**
   * SQL for sorting by a top-level key of a JSON text column, the key path bound as `@path`
   * (see `jsonPath`) and the store's non-finite tags as `@inf`, `@ninf`, `@nan`: `value` is the
   * number or string there (±Infinity as numbers, anything else NULL), `isText` is 1 for strings.
   */
  jsonSortKey(column: string): { value: string; isText: string }
  /** The `@path` parameter naming `key`, or undefined when this dialect cannot address it safely. */
  jsonPath(key: string): string | undefined
  /** SQL for the value and the JSON type name ('array', 'text', 'integer', 'real', …) at a bound path. */
  jsonAt(column: string, pathParam: string): { value: string; type: string }
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
  },
  tableSuffixForCompositeKey: ' WITHOUT ROWID',
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
      value: `CASE WHEN ${type} IN ('integer', 'real') THEN ${raw} WHEN ${type} = 'text' THEN CASE ${raw}
        WHEN @inf THEN 9e999 WHEN @ninf THEN -9e999 WHEN @nan THEN NULL ELSE ${raw} END END`,
      isText: `CASE WHEN ${type} = 'text' AND ${raw} NOT IN (@inf, @ninf, @nan) THEN 1 ELSE 0 END`,
    }
  },
  jsonAt(column, pathParam) {
    return { value: `json_extract(${column}, @${pathParam})`, type: `json_type(${column}, @${pathParam})` }
  },
  jsonPath(key) {
    return /^[^".\\[\]$]+$/.test(key) ? `$."${key}"` : undefined
  },
}
