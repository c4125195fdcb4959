import type { SqlDialect } from '../dialect.js'

/**
 * Secrets every server process must share (the key that signs blob download URLs): kept in the
 * database, so replicas agree without configuration and a restart keeps issued URLs valid.
 */
export function serverSecrets(d: SqlDialect): string[] {
  return [`CREATE TABLE server_secrets (name ${d.types.text} PRIMARY KEY, value ${d.types.text} NOT NULL)`]
}
