import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { isStemmaError } from '@stemma/core'
import { attachmentDisposition, verifyBlobSignature, type BlobStore } from '../../src/blob/index.js'

export interface BlobDownloadServer {
  /** What a filesystem store takes as `urlBase`. */
  urlBase: string
  close(): Promise<void>
}

const PATH = '/blobs/'

/**
 * Serves a filesystem store's signed URLs over real HTTP, so the contract suite can fetch them
 * just as it fetches S3's presigned ones. `store` is read lazily: the store needs `urlBase` first.
 */
export async function startBlobDownloadServer(
  secret: string,
  store: () => BlobStore,
): Promise<BlobDownloadServer> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const key = url.pathname.slice(PATH.length)
    const fileName = url.searchParams.get('filename') ?? undefined
    const expires = url.searchParams.get('expires') ?? ''
    const signature = url.searchParams.get('signature') ?? ''
    if (
      !url.pathname.startsWith(PATH) ||
      !verifyBlobSignature(secret, key, expires, signature, Date.now(), fileName)
    ) {
      res.writeHead(403).end()
      return
    }
    try {
      const body = await store().get(key)
      res.writeHead(200, fileName ? { 'content-disposition': attachmentDisposition(fileName) } : {})
      await pipeline(body, res)
    } catch (err) {
      res.writeHead(isStemmaError(err) ? err.status : 500).end()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    urlBase: `http://127.0.0.1:${port}${PATH.slice(0, -1)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
