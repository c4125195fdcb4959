import { useState } from 'react'
import type { RunDto } from '@stemma/core'
import { api, seg } from '../api/client'
import { ConfirmDialog } from '../app/ConfirmDialog'

/** Delete (after the confirmation the W&B app shows) and tag the checked runs. */
export function BulkActions({
  entity,
  project,
  runs,
  onDone,
}: {
  entity: string
  project: string
  runs: RunDto[]
  onDone: (deleted: string[]) => void
}) {
  const [confirming, setConfirming] = useState(false)
  const [tag, setTag] = useState('')
  const [error, setError] = useState<string | null>(null)
  if (runs.length === 0) return null
  const path = (run: RunDto) => `/runs/${seg(entity)}/${seg(project)}/${seg(run.id)}`

  const remove = async () => {
    setConfirming(false)
    const results = await Promise.allSettled(runs.map((run) => api(path(run), { method: 'DELETE' })))
    const failed = results.filter((r) => r.status === 'rejected').length
    setError(failed > 0 ? `${failed} of ${runs.length} runs could not be deleted.` : null)
    onDone(runs.filter((_, i) => results[i]!.status === 'fulfilled').map((r) => r.id))
  }
  const addTag = async () => {
    const t = tag.trim()
    if (t === '') return
    await Promise.all(
      runs.map((run) =>
        run.tags.includes(t) ? null : api(path(run), { method: 'PATCH', body: { tags: [...run.tags, t] } }),
      ),
    ).catch((err: Error) => setError(err.message))
    setTag('')
    onDone([])
  }

  return (
    <div className="bulk" role="toolbar" aria-label="Selected runs">
      <span>{runs.length} selected</span>
      <input aria-label="Tag to add" placeholder="tag" value={tag} onChange={(e) => setTag(e.target.value)} />
      <button type="button" className="ghost" onClick={addTag} disabled={tag.trim() === ''}>
        Add tag
      </button>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
      {error && <span className="error">{error}</span>}
      {confirming && (
        <ConfirmDialog
          title={`Delete ${runs.length} run${runs.length === 1 ? '' : 's'}?`}
          confirmLabel="Delete"
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        >
          <p>
            This deletes {runs.length === 1 ? <strong>{runs[0]!.name}</strong> : `${runs.length} runs`}, their
            history and archived states. It cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}
