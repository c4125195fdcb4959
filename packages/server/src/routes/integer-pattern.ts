/**
 * A regular expression (source) matching exactly the decimal integers from `min` (0 or 1) to `max`,
 * without leading zeros: query parameters arrive as text, so their schemas state bounds as patterns
 * (`^(?:[1-9][0-9]{0,2}|1000)$` for 1…1000) and a client generated from the OpenAPI document never
 * sends a number the server refuses.
 */
export function integerPattern(min: 0 | 1, max: number): string {
  if (!Number.isSafeInteger(max) || max < Math.max(min, 1)) throw new Error(`bad bound ${max}`)
  const top = String(max)
  const options: string[] = min === 0 ? ['0'] : []
  // Every number with fewer digits than `max`.
  if (top.length > 1) options.push(top.length === 2 ? '[1-9]' : `[1-9][0-9]{0,${top.length - 2}}`)
  // Numbers with as many digits: the same prefix as `max`, then a smaller digit, then anything.
  for (let i = 0; i < top.length; i++) {
    const low = i === 0 ? 1 : 0
    const digit = Number(top[i])
    if (digit - 1 < low) continue
    const rest = top.length - i - 1
    const range = digit - 1 === low ? String(low) : `[${low}-${digit - 1}]`
    options.push(`${top.slice(0, i)}${range}${rest > 0 ? `[0-9]{${rest}}` : ''}`)
  }
  options.push(top)
  return `^(?:${options.join('|')})$`
}
