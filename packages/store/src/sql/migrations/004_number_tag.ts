import type { SqlDialect } from '../dialect.js'

/** Every JSON column, whose text may hold tagged non-finite numbers. */
const JSON_COLUMNS: Record<string, string[]> = {
  runs: ['config', 'summary', 'summary_overrides', 'metadata', 'metrics'],
  history_values: ['json'],
  run_last_values: ['json'],
  system_samples: ['json'],
}

/**
 * Non-finite numbers in JSON were tagged with a NUL, which PostgreSQL's jsonb refuses; the tag is
 * now U+FDD0 (see `sql/json.ts`). Rewrites the old tag in stored text. A database that keeps JSON
 * as jsonb was never written with the old tag.
 */
export function numberTag(d: SqlDialect): string[] {
  if (!d.jsonStoredAsText) return []
  // In JSON text the NUL is the six characters \u0000; char(64976) is U+FDD0.
  return Object.entries(JSON_COLUMNS).flatMap(([table, columns]) =>
    columns.map(
      (c) => `UPDATE ${table} SET ${c} = replace(${c}, '\\u0000num:', char(64976) || 'num:')
        WHERE instr(${c}, '\\u0000num:') > 0`,
    ),
  )
}
