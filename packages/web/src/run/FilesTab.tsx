import { useCallback, useEffect, useState } from 'react'
import type { RunFileList } from '@stemma/core'
import { api, apiUrl, seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { ConfirmDialog } from '../app/ConfirmDialog'
import { FetchStatus } from '../app/FetchStatus'
import { liveEvents } from '../app/live'
import { useQueryParam } from '../app/router'
import { FileList } from './FileList'
import { FilePreview } from './FilePreview'

/** The run's saved files and a preview of the one chosen (`?file=`); reloads on `files` events. */
export function FilesTab({
  runPath,
  runId,
  archive,
  readOnly,
}: {
  runPath: string
  runId: string
  archive?: number
  readOnly: boolean
}) {
  const { data, error, reload } = useFetch(
    (signal) => api<RunFileList>(`${runPath}/files`, { query: { archive }, signal }),
    [runPath, archive],
  )
  const [selected, setSelected] = useQueryParam('file')
  const [deleting, setDeleting] = useState<string | null>(null)
  const fileUrl = useCallback(
    (name: string) => apiUrl(`${runPath}/files/${seg(name)}`, { archive }),
    [runPath, archive],
  )

  useEffect(() => {
    if (archive !== undefined) return
    return liveEvents.on(runId, (e) => {
      if (e.type === 'files') reload()
    })
  }, [runId, archive, reload])

  if (!data) return <FetchStatus error={error} />
  if (data.files.length === 0)
    return (
      <div className="empty">
        This run has no saved files. Files saved with <code>run.save()</code> appear here.
      </div>
    )

  const file = data.files.find((f) => f.name === selected)
  const remove = async (name: string) => {
    setDeleting(null)
    await api(`${runPath}/files/${seg(name)}`, { method: 'DELETE' })
    if (selected === name) setSelected(null)
    reload()
  }
  return (
    <section className="files">
      <FileList files={data.files} selected={selected} fileUrl={fileUrl} onSelect={setSelected} />
      {file ? (
        <FilePreview
          file={file}
          url={fileUrl(file.name)}
          {...(!readOnly && { onDelete: () => setDeleting(file.name) })}
        />
      ) : (
        <div className="file-preview empty">
          {selected === null ? 'Select a file to preview it.' : 'This run has no file of that name now.'}
        </div>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title="Delete this file?"
          confirmLabel="Delete file"
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        >
          <p>
            <code>{deleting}</code> is removed from this run.
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}
