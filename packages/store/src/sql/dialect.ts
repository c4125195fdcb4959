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
}
