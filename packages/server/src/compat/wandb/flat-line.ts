/**
 * A fast path for the commonest history line: one flat object of numbers (`{"loss":0.5,"_step":3}`).
 * wandb-core writes each line's keys in a different order (Go map order), which makes every
 * `JSON.parse` result an object of a new shape; reading such a line straight into key/number
 * pairs costs a fraction of that. Anything else (nesting, strings, booleans, escapes) returns
 * null, and the caller parses the line in full.
 */
export interface FlatLine {
  keys: string[]
  /** `null` where the line says `null`; NaN and ±Infinity as the extended tokens say. */
  values: (number | null)[]
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const QUOTE = 34
const COLON = 58
const COMMA = 44
const OPEN = 123
const CLOSE = 125
const BACKSLASH = '\\'

export function scanFlatLine(text: string): FlatLine | null {
  const keys: string[] = []
  const values: (number | null)[] = []
  let i = skipSpace(text, 0)
  if (text.charCodeAt(i) !== OPEN) return null
  i = skipSpace(text, i + 1)
  if (text.charCodeAt(i) === CLOSE) return rest(text, i + 1) ? { keys, values } : null
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return null
    const end = text.indexOf('"', i + 1)
    if (end < 0) return null
    const key = text.slice(i + 1, end)
    if (key.includes(BACKSLASH)) return null
    i = skipSpace(text, end + 1)
    if (text.charCodeAt(i) !== COLON) return null
    i = skipSpace(text, i + 1)
    let j = i
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j)
      if (c === COMMA || c === CLOSE || c <= 32) break
    }
    const value = numberOf(text.slice(i, j))
    if (value === undefined) return null
    keys.push(key)
    values.push(value)
    i = skipSpace(text, j)
    const c = text.charCodeAt(i)
    if (c === CLOSE) return rest(text, i + 1) ? { keys, values } : null
    if (c !== COMMA) return null
    i = skipSpace(text, i + 1)
  }
}

function numberOf(token: string): number | null | undefined {
  if (NUMBER.test(token)) return Number(token)
  switch (token) {
    case 'null':
      return null
    case 'NaN':
      return NaN
    case 'Infinity':
      return Infinity
    case '-Infinity':
      return -Infinity
    default:
      return undefined
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) <= 32) i++
  return i
}

/** Nothing but whitespace after the object. */
function rest(text: string, i: number): boolean {
  return skipSpace(text, i) === text.length
}
