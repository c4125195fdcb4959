import { useState } from 'react'
import type { RunDto, RunPatch } from '@stemma/core'
import { api } from '../api/client'
import { Markdown } from './markdown'

function usePatch(runPath: string, onSaved: (run: RunDto) => void) {
  const [error, setError] = useState<string | null>(null)
  const save = async (patch: RunPatch) => {
    try {
      onSaved(await api<RunDto>(runPath, { method: 'PATCH', body: patch }))
      setError(null)
      return true
    } catch (err) {
      setError((err as Error).message)
      return false
    }
  }
  return { save, error }
}

/** The run's description (notes): Markdown without raw HTML, edited in place. */
export function EditableNotes({
  run,
  runPath,
  readOnly,
  onSaved,
}: {
  run: RunDto
  runPath: string
  readOnly: boolean
  onSaved: (r: RunDto) => void
}) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(run.notes)
  const { save, error } = usePatch(runPath, onSaved)
  if (editing) {
    return (
      <div className="edit-notes">
        <textarea
          aria-label="Description"
          value={draft}
          rows={4}
          onChange={(e) => setDraft(e.target.value)}
        />
        <div className="actions">
          <button type="button" onClick={async () => (await save({ notes: draft })) && setEditing(false)}>
            Save
          </button>
          <button type="button" className="ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
        {error && <p className="error">{error}</p>}
      </div>
    )
  }
  return (
    <div className="notes">
      {run.notes ? <Markdown text={run.notes} /> : <span className="muted">No description.</span>}
      {!readOnly && (
        <button
          type="button"
          className="ghost small"
          onClick={() => {
            setDraft(run.notes)
            setEditing(true)
          }}
        >
          Edit description
        </button>
      )}
    </div>
  )
}

export function EditableTags({
  run,
  runPath,
  readOnly,
  onSaved,
}: {
  run: RunDto
  runPath: string
  readOnly: boolean
  onSaved: (r: RunDto) => void
}) {
  const [draft, setDraft] = useState('')
  const { save, error } = usePatch(runPath, onSaved)
  const add = async () => {
    const t = draft.trim()
    if (t === '' || run.tags.includes(t)) return
    if (await save({ tags: [...run.tags, t] })) setDraft('')
  }
  return (
    <div className="tags">
      {run.tags.map((t) => (
        <span key={t} className="tag">
          {t}
          {!readOnly && (
            <button
              type="button"
              aria-label={`Remove tag ${t}`}
              onClick={() => save({ tags: run.tags.filter((x) => x !== t) })}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {!readOnly && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault()
            void add()
          }}
        >
          <input
            aria-label="New tag"
            placeholder="add tag"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </form>
      )}
      {error && <span className="error">{error}</span>}
    </div>
  )
}
