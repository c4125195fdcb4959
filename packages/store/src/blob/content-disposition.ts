/**
 * A `Content-Disposition: attachment` value for a download. The file name is the last path
 * segment only; the quoted fallback is printable ASCII without quotes or backslashes (so the
 * header cannot be broken out of), and `filename*` carries the exact name for browsers that
 * read RFC 6266 / RFC 5987.
 */
export function attachmentDisposition(fileName: string): string {
  const name = fileName.split(/[/\\]/).pop() || 'download'
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`
}
