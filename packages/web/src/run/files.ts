import type { RunFile } from '@stemma/core'

/** One row of the files tree: a directory heading, or a file under the directories above it. */
export type FileRow =
  | { kind: 'dir'; path: string; name: string; depth: number }
  | { kind: 'file'; file: RunFile; name: string; depth: number }

interface Dir {
  dirs: Map<string, Dir>
  files: { name: string; file: RunFile }[]
}

/** The files as a tree by directory, flattened depth-first: at each level directories, then files. */
export function fileRows(files: readonly RunFile[]): FileRow[] {
  const root: Dir = { dirs: new Map(), files: [] }
  for (const file of files) {
    const parts = file.name.split('/')
    const base = parts.pop()!
    let dir = root
    for (const part of parts) {
      let next = dir.dirs.get(part)
      if (!next) dir.dirs.set(part, (next = { dirs: new Map(), files: [] }))
      dir = next
    }
    dir.files.push({ name: base, file })
  }
  const rows: FileRow[] = []
  const walk = (dir: Dir, prefix: string, depth: number) => {
    for (const name of [...dir.dirs.keys()].sort(byName)) {
      const path = prefix + name
      rows.push({ kind: 'dir', path, name, depth })
      walk(dir.dirs.get(name)!, `${path}/`, depth + 1)
    }
    for (const f of [...dir.files].sort((a, b) => byName(a.name, b.name)))
      rows.push({ kind: 'file', file: f.file, name: f.name, depth })
  }
  walk(root, '', 0)
  return rows
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export type PreviewKind = 'text' | 'json' | 'image'

// The server's rule (server/src/files/file-types.ts): only these are served inline at all.
const IMAGES = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp'])
const TEXT = new Set(
  'txt log md markdown patch diff csv tsv jsonl yaml yml toml ini cfg conf py js mjs cjs ts mts cts jsx tsx sh ipynb rst xml'.split(
    ' ',
  ),
)
const TEXT_NAMES = new Set(['Dockerfile', 'Makefile', 'LICENSE', 'README', 'requirements.txt'])

/** How a file can be previewed, from its name; null when it cannot (HTML, SVG, binaries…). */
export function previewKind(name: string): PreviewKind | null {
  const base = baseName(name)
  const dot = base.lastIndexOf('.')
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
  if (ext === 'json') return 'json'
  if (IMAGES.has(ext)) return 'image'
  if (TEXT.has(ext) || TEXT_NAMES.has(base)) return 'text'
  return null
}

export const baseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1)

/** JSON text indented two spaces, or null when it does not parse (a truncated read, say). */
export function prettyJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return null
  }
}
