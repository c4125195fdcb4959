import type { ReactNode } from 'react'

/**
 * A small Markdown subset (paragraphs, headings, lists, code, emphasis, links) rendered as React
 * elements from text: raw HTML in the source stays literal text, and only http(s) links are links.
 */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = []
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!
    if (line.startsWith('```')) {
      const code: string[] = []
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) code.push(lines[i]!)
      i++
      blocks.push(
        <pre key={blocks.length}>
          <code>{code.join('\n')}</code>
        </pre>,
      )
      continue
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line)
    if (heading) {
      const level = Math.min(6, heading[1]!.length + 2)
      const Tag = `h${level}` as 'h3'
      blocks.push(<Tag key={blocks.length}>{inline(heading[2]!)}</Tag>)
      i++
      continue
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = []
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]!); i++)
        items.push(lines[i]!.replace(/^\s*[-*]\s+/, ''))
      blocks.push(
        <ul key={blocks.length}>
          {items.map((item, j) => (
            <li key={j}>{inline(item)}</li>
          ))}
        </ul>,
      )
      continue
    }
    if (line.trim() === '') {
      i++
      continue
    }
    const para: string[] = []
    for (
      ;
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !lines[i]!.startsWith('```') &&
      !/^#{1,4}\s/.test(lines[i]!);
      i++
    ) {
      para.push(lines[i]!)
    }
    blocks.push(<p key={blocks.length}>{inline(para.join(' '))}</p>)
  }
  return <div className="markdown">{blocks}</div>
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*)|(\[[^\]]+\]\([^)\s]+\))/g

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = []
  let last = 0
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index))
    const token = m[0]
    const key = out.length
    if (m[1]) out.push(<code key={key}>{token.slice(1, -1)}</code>)
    else if (m[2]) out.push(<strong key={key}>{token.slice(2, -2)}</strong>)
    else if (m[3]) out.push(<em key={key}>{token.slice(1, -1)}</em>)
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token)!
      const href = link[2]!
      out.push(
        /^https?:\/\//i.test(href) ? (
          <a key={key} href={href} rel="noopener noreferrer nofollow" target="_blank">
            {link[1]}
          </a>
        ) : (
          token
        ),
      )
    }
    last = m.index + token.length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}
