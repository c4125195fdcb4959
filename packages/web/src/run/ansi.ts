export interface Span {
  text: string
  /** A class per colour (`fg-1` … `fg-15`), so no style attribute is ever built from log text. */
  className: string
}

// SGR escape sequences; any other escape (cursor moves, OSC titles) is dropped.
const ESCAPE = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g // eslint-disable-line no-control-regex

/** Splits a console line into text spans by its ANSI colour codes (16 colours and bold). */
export function ansiSpans(line: string): Span[] {
  const spans: Span[] = []
  let fg: number | null = null
  let bold = false
  let last = 0
  const push = (text: string) => {
    if (text === '') return
    const classes = [fg !== null ? `fg-${fg}` : '', bold ? 'bold' : ''].filter(Boolean).join(' ')
    spans.push({ text, className: classes })
  }
  for (const match of line.matchAll(ESCAPE)) {
    push(line.slice(last, match.index))
    last = match.index + match[0].length
    if (match[1] === undefined) continue
    const codes = match[1] === '' ? [0] : match[1].split(';').map(Number)
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!
      if (c === 0) {
        fg = null
        bold = false
      } else if (c === 1) bold = true
      else if (c === 22) bold = false
      else if (c >= 30 && c <= 37) fg = c - 30
      else if (c >= 90 && c <= 97) fg = c - 90 + 8
      else if (c === 39) fg = null
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : 4 // 256-colour and RGB: skipped
    }
  }
  push(line.slice(last))
  return spans
}

/** The line without escape codes: for search and for the downloaded file. */
export function plainText(line: string): string {
  return line.replace(ESCAPE, '')
}
