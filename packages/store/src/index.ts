export * from './ports.js'
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
