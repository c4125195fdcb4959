import { isPlainObject, type RunFilter } from '@stemma/core'
import type { Db } from '../sql/db.js'

/**
 * A SQL condition that every run matching `filter` satisfies (a superset), built from the filter's
 * top-level terms that have a simple shape: `config|summary|metadata.<key>` compared with numbers
 * or strings, `$in` lists of them, `$exists: true`. It only narrows what is fetched; core's
 * `matchesFilter` still decides, so terms the database cannot judge exactly are left to it.
 */
export function prefilter(db: Db, filter: RunFilter, params: Record<string, unknown>): string[] {
  const terms: string[] = []
  let n = 0
  for (const [key, cond] of Object.entries(filter)) {
    const dot = key.indexOf('.')
    const field = key.slice(0, dot)
    if (dot < 0 || !['config', 'summary', 'metadata'].includes(field)) continue
    const path = db.dialect.jsonPath(key.slice(dot + 1))
    if (path === undefined) continue
    const p = `pf${n++}`
    const at = db.dialect.jsonAt(`r.${field}`, p)
    const bind = (v: unknown) => {
      const name = `pf${n++}`
      params[name] = v
      return `@${name}`
    }
    const parts: string[] = []
    for (const [op, arg] of isPlainObject(cond) ? Object.entries(cond) : [['$eq', cond] as const]) {
      const scalar = typeof arg === 'number' || typeof arg === 'string'
      // A list value matches a scalar it contains; stored ±Infinity are tagged strings.
      if (op === '$eq' && scalar) parts.push(`(${at.type} = 'array' OR ${at.value} = ${bind(arg)})`)
      else if (
        op === '$in' &&
        Array.isArray(arg) &&
        arg.length > 0 &&
        arg.every((a) => typeof a === 'number' || typeof a === 'string')
      ) {
        parts.push(`(${at.type} = 'array' OR ${at.value} IN (${arg.map(bind).join(', ')}))`)
      } else if (['$gt', '$gte', '$lt', '$lte'].includes(op) && scalar) {
        const sqlOp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op as '$gt']
        parts.push(
          typeof arg === 'number'
            ? `(${at.type} = 'text' OR (${at.type} IN ('integer', 'real') AND ${at.value} ${sqlOp} ${bind(arg)}))`
            : `(${at.type} = 'text' AND ${at.value} ${sqlOp} ${bind(arg)})`,
        )
      } else if (op === '$exists' && arg === true) parts.push(`${at.type} IS NOT NULL`)
    }
    if (parts.length === 0) continue
    params[p] = path
    terms.push(...parts)
  }
  return terms
}
