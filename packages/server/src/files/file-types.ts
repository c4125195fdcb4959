/**
 * How a run file is served. Files are user content on the app's own origin, so only types a
 * browser cannot run are served inline (text as text/plain, JSON, raster images); everything else,
 * HTML and SVG included, goes out as an attachment of opaque bytes.
 */
const INLINE: Record<string, string> = {
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
}

const TEXT = new Set(
  'txt log md markdown patch diff csv tsv jsonl yaml yml toml ini cfg conf py js mjs cjs ts mts cts jsx tsx sh ipynb rst xml'.split(
    ' ',
  ),
)

const TEXT_NAMES = new Set(['Dockerfile', 'Makefile', 'LICENSE', 'README', 'requirements.txt'])

export interface ServedType {
  contentType: string
  inline: boolean
}

export function servedType(name: string): ServedType {
  const base = name.slice(name.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
  const known = INLINE[ext]
  if (known !== undefined) return { contentType: known, inline: true }
  if (TEXT.has(ext) || TEXT_NAMES.has(base)) return { contentType: 'text/plain; charset=utf-8', inline: true }
  return { contentType: 'application/octet-stream', inline: false }
}
