import { isPlainObject, type RunFilter } from '@stemma/core'
import type { Executor } from '../sql/executor.js'

/**
 * A SQL condition that every run matching `filter` satisfies (a superset), built from the filter's
 * top-level terms that have a simple shape: `config|summary|metadata.<key>` compared with numbers
 * or strings, `$in` lists of them, `$exists: true`. It only narrows what is fetched; core's
 * `matchesFilter` still decides, so terms the database cannot judge exactly are left to it.
 */
export function prefilter(db: Executor, filter: RunFilter, params: Record<string, unknown>): string[] {
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
    const isNum = (a: unknown): a is number => typeof a === 'number' && Number.isFinite(a)
    const isStr = (a: unknown): a is string => typeof a === 'string'
    for (const [op, arg] of isPlainObject(cond) ? Object.entries(cond) : [['$eq', cond] as const]) {
      // A list value matches a scalar it contains. Non-finite numbers are stored tagged, so a
      // term naming one is left to the exact check.
      if (op === '$eq' && (isNum(arg) || isStr(arg))) {
        parts.push(`(${at.isArray} OR ${isNum(arg) ? at.num : at.text} = ${bind(arg)})`)
      } else if (
        op === '$in' &&
        Array.isArray(arg) &&
        arg.length > 0 &&
        arg.every((a) => isNum(a) || isStr(a))
      ) {
        const nums = arg.filter(isNum)
        const strs = arg.filter(isStr)
        const options = [at.isArray]
        if (nums.length > 0) options.push(`${at.num} IN (${nums.map(bind).join(', ')})`)
        if (strs.length > 0) options.push(`${at.text} IN (${strs.map(bind).join(', ')})`)
        parts.push(`(${options.join(' OR ')})`)
      } else if (['$gt', '$gte', '$lt', '$lte'].includes(op) && (isNum(arg) || isStr(arg))) {
        const sqlOp = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op as '$gt']
        // Strings may hold tagged ±Infinity, which compare as numbers: keep them for the exact check.
        parts.push(
          isNum(arg)
            ? `(${at.text} IS NOT NULL OR ${at.num} ${sqlOp} ${bind(arg)})`
            : `${at.text} ${sqlOp} ${bind(arg)}`,
        )
      } else if (op === '$exists' && arg === true) parts.push(at.exists)
    }
    if (parts.length === 0) continue
    params[p] = path
    terms.push(...parts)
  }
  return terms
}
