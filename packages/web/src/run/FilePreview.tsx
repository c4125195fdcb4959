import { useEffect, useState } from 'react'
import type { RunFile } from '@stemma/core'
import { useFetch } from '../api/use-fetch'
import { bytes } from '../app/format'
import { FetchStatus } from '../app/FetchStatus'
import { fetchImage, fetchTextHead, PREVIEW_BYTES } from './file-fetch'
import { baseName, prettyJson, previewKind } from './files'

/** Images larger than this are offered for download only. */
const MAX_IMAGE_BYTES = 32 * 1024 ** 2

/**
 * The selected file: text and JSON as text (never as HTML), raster images through an object URL,
 * anything else only as a download.
 */
export function FilePreview({ file, url, onDelete }: { file: RunFile; url: string; onDelete?: () => void }) {
  const kind = previewKind(file.name)
  const download = (
    <a href={url} download={baseName(file.name)}>
      Download
    </a>
  )
  return (
    <section className="file-preview" aria-label="Preview">
      <div className="file-preview-bar">
        <strong className="file-path">{file.name}</strong>
        <span className="hint">{bytes(file.size)}</span>
        <span className="spacer" />
        {download}
        {onDelete && (
          <button type="button" className="ghost small" onClick={onDelete}>
            Delete
          </button>
        )}
      </div>
      <div className="file-preview-body" key={`${file.name}:${file.sha256}`}>
        {kind === 'image' && file.size <= MAX_IMAGE_BYTES ? (
          <ImagePreview url={url} alt={file.name} />
        ) : kind === 'text' || kind === 'json' ? (
          <TextPreview url={url} json={kind === 'json'} />
        ) : (
          <div className="empty">
            {kind === 'image' ? 'This image is too large to preview' : 'No preview for this type'} —{' '}
            {download} it instead.
          </div>
        )}
      </div>
    </section>
  )
}

function TextPreview({ url, json }: { url: string; json: boolean }) {
  const { data, error } = useFetch((signal) => fetchTextHead(url, signal), [url])
  if (!data) return <FetchStatus error={error} />
  const pretty = json && !data.truncated ? prettyJson(data.text) : null
  return (
    <>
      {data.truncated && (
        <p className="hint file-note" role="status">
          Showing the first {bytes(PREVIEW_BYTES)}; download the file for all of it.
        </p>
      )}
      {json && pretty === null && !data.truncated && (
        <p className="hint file-note">Not valid JSON; shown as text.</p>
      )}
      <pre className="file-text" data-preview={pretty === null ? 'text' : 'json'}>
        {pretty ?? data.text}
      </pre>
    </>
  )
}

function ImagePreview({ url, alt }: { url: string; alt: string }) {
  const { data, error } = useFetch((signal) => fetchImage(url, signal), [url])
  const src = useObjectUrl(data)
  if (!src) return <FetchStatus error={error} />
  return <ShownImage src={src} alt={alt} />
}

/** At its own size (a small plot stays sharp), with that size said, so a tiny image reads as one. */
function ShownImage({ src, alt }: { src: string; alt: string }) {
  const [size, setSize] = useState<string | null>(null)
  return (
    <figure className="file-figure">
      <img
        className="file-image"
        src={src}
        alt={alt}
        onLoad={(e) => setSize(`${e.currentTarget.naturalWidth} × ${e.currentTarget.naturalHeight} px`)}
      />
      {size && <figcaption className="muted">{size}</figcaption>}
    </figure>
  )
}

/** An object URL for `blob` while it is shown, revoked after. */
function useObjectUrl(blob: Blob | undefined): string | undefined {
  const [src, setSrc] = useState<string>()
  useEffect(() => {
    if (!blob) return
    const objectUrl = URL.createObjectURL(blob)
    setSrc(objectUrl)
    return () => URL.revokeObjectURL(objectUrl)
  }, [blob])
  return src
}
