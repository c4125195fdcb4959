import type { SqlDialect } from '../dialect.js'

/**
 * Console lines a client numbers itself (W&B's `output.log` offsets). A terminal rewrites its
 * last lines in place (progress bars), so a numbered line is set, not appended: the number is
 * unique within its segment. Lines without a number (the native SDK's) are unaffected.
 */
export function consoleLineNumbers(d: SqlDialect): string[] {
  return [
    `ALTER TABLE console_lines ADD COLUMN line_no ${d.types.int}`,
    `CREATE UNIQUE INDEX console_lines_number ON console_lines (segment_id, line_no) WHERE line_no IS NOT NULL`,
  ]
}
