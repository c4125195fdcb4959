import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { constants, gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { contentTypeOf } from './content-types.js'

export interface WebFile {
  body: Buffer
  contentType: string
  etag: string
  /** The body gzipped once at startup, for text types where that saves bytes. */
  gzip: Buffer | null
}

/** Types worth compressing: images and fonts are compressed already. */
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|wasm)|image\/svg)/

/** URL path (`/assets/index-abc123.js`) → file. */
export type WebFiles = ReadonlyMap<string, WebFile>

/**
 * Reads the built web app once, at startup. Requests are answered from this map only, so no
 * client string ever becomes part of a filesystem path. Links are skipped: one could point
 * outside the directory. So are dotfiles, which a build does not mean to publish.
 */
export function loadWebFiles(root: string): WebFiles {
  const files = new Map<string, WebFile>()
  const visit = (dir: string, urlPrefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue
      const path = join(dir, entry.name)
      const url = `${urlPrefix}/${entry.name}`
      if (entry.isDirectory()) visit(path, url)
      else if (entry.isFile()) files.set(url, webFile(entry.name, readFileSync(path)))
    }
  }
  visit(root, '')
  if (!files.has('/index.html')) throw new Error(`The web app directory ${root} has no index.html.`)
  return files
}

function webFile(name: string, body: Buffer): WebFile {
  const digest = createHash('sha256').update(body).digest('base64url').slice(0, 27)
  const contentType = contentTypeOf(name)
  let gzip: Buffer | null = null
  if (COMPRESSIBLE.test(contentType)) {
    const packed = gzipSync(body, { level: constants.Z_BEST_COMPRESSION })
    if (packed.length < body.length) gzip = packed
  }
  return { body, contentType, etag: `"${digest}"`, gzip }
}
