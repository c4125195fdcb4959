/** How much of a text file a preview reads. */
export const PREVIEW_BYTES = 256 * 1024

export interface TextHead {
  text: string
  /** The file is longer than `text`. */
  truncated: boolean
}

async function get(url: string, signal: AbortSignal, headers: Record<string, string> = {}) {
  const res = await fetch(url, { credentials: 'same-origin', headers, signal })
  // 416: an empty file has no first byte to start a range at.
  if (!res.ok && res.status !== 416)
    throw new Error(`Could not read the file: ${res.status} ${res.statusText}`)
  return res
}

/** The first `PREVIEW_BYTES` of a file as text (one ranged read, whatever the file's size). */
export async function fetchTextHead(url: string, signal: AbortSignal): Promise<TextHead> {
  const res = await get(url, signal, { range: `bytes=0-${PREVIEW_BYTES - 1}` })
  if (res.status === 416) return { text: '', truncated: false }
  const body = await res.arrayBuffer()
  const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]
  const truncated = res.status === 206 && total !== undefined && Number(total) > body.byteLength
  // Streaming holds back a character the cut split in two instead of showing a broken one.
  return { text: new TextDecoder().decode(body, { stream: truncated }), truncated }
}

/** A whole image file, refused unless the server served it as an image. */
export async function fetchImage(url: string, signal: AbortSignal): Promise<Blob> {
  const res = await get(url, signal)
  const blob = await res.blob()
  if (!blob.type.startsWith('image/')) throw new Error('The server did not serve this file as an image.')
  return blob
}
