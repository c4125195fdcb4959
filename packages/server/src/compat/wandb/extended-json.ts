import { isPlainObject, StemmaError } from '@stemma/core'

/**
 * The W&B clients write history, summary, events and config with bare `NaN`, `Infinity` and
 * `-Infinity` tokens, which JSON has not. These read and write that dialect; everything else in it
 * is plain JSON.
 */

const NON_FINITE = /^(?:NaN|-?Infinity)$/
// Private-use characters cannot appear in what the clients emit for a bare token, so a string made
// of the marker and a token name is one the pre-pass below put there.
const MARK = '\uE000'

/** Parses extended JSON; throws SyntaxError on anything else. */
export function parseExtendedJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    // Only text with a bare token needs the slow path; anything else was malformed.
    if (!/NaN|Infinity/.test(text)) throw err
  }
  return JSON.parse(quoteBareTokens(text), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) && NON_FINITE.test(value.slice(1))
      ? Number(value.slice(1))
      : value,
  )
}

/** Rewrites bare non-finite tokens outside strings as marked strings. */
function quoteBareTokens(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') {
      const end = stringEnd(text, i)
      out += text.slice(i, end)
      i = end
      continue
    }
    const token = text.startsWith('NaN', i)
      ? 'NaN'
      : text.startsWith('-Infinity', i)
        ? '-Infinity'
        : text.startsWith('Infinity', i)
          ? 'Infinity'
          : null
    if (token !== null) {
      out += `"${MARK}${token}"`
      i += token.length
    } else {
      out += c
      i++
    }
  }
  return out
}

/** Index just past the string literal starting at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  let i = start + 1
  while (i < text.length) {
    const c = text[i]
    if (c === '\\') i += 2
    else if (c === '"') return i + 1
    else i++
  }
  return text.length
}

/**
 * A JSONString argument that must hold an object (config, summary, filters, a history spec):
 * refused with a message that names it otherwise.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = parseExtendedJson(text)
  } catch {
    throw new StemmaError('VALIDATION_FAILED', `${what} is not JSON.`)
  }
  if (!isPlainObject(parsed)) throw new StemmaError('VALIDATION_FAILED', `${what} must be a JSON object.`)
  return parsed
}

/** Serialises with bare non-finite tokens, as the clients expect in JSONString fields they parse. */
export function stringifyExtendedJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? `${MARK}${String(v)}` : v,
  )
  return text.includes(MARK) ? text.replace(new RegExp(`"${MARK}(NaN|-?Infinity)"`, 'g'), '$1') : text
}
