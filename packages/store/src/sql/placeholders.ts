/** A statement in PostgreSQL's `$n` form and how to order its parameters. */
export interface NumberedSql {
  text: string
  /** For `@name` statements: the parameter name behind each `$n`; undefined for `?` statements. */
  names: string[] | undefined
}

/**
 * Rewrites the store's `?` and `@name` placeholders as `$1, $2, …`. A name used twice gets one
 * number. Quoted strings and identifiers are copied as they are, so a `?` inside one is left alone.
 */
export function numberPlaceholders(sql: string): NumberedSql {
  let text = ''
  let positional = 0
  const names: string[] = []
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1)
      const stop = end < 0 ? sql.length : end + 1
      text += sql.slice(i, stop)
      i = stop - 1
    } else if (c === '?') {
      text += `$${++positional}`
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let j = i + 1
      while (j < sql.length && /\w/.test(sql[j]!)) j++
      const name = sql.slice(i + 1, j)
      let n = names.indexOf(name)
      if (n < 0) n = names.push(name) - 1
      text += `$${n + 1}`
      i = j - 1
    } else text += c
  }
  if (positional > 0 && names.length > 0) throw new Error('a statement mixes ? and @name placeholders')
  return { text, names: names.length > 0 ? names : undefined }
}

/** The values in `$n` order: positional parameters as given, named ones picked from their object. */
export function orderParams(sql: NumberedSql, params: unknown[]): unknown[] {
  if (!sql.names) return params
  const named = (params[0] ?? {}) as Record<string, unknown>
  return sql.names.map((name) => {
    if (!(name in named)) throw new Error(`no value for @${name}`)
    return named[name]
  })
}
