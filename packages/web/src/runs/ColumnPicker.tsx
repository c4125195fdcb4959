import { useState } from 'react'

/** Adds config and summary keys as columns, and pins them beside the run name. */
export function ColumnPicker({
  keys,
  columns,
  pinned,
  onColumns,
  onPinned,
}: {
  keys: string[]
  columns: string[]
  pinned: string[]
  onColumns: (ids: string[]) => void
  onPinned: (ids: string[]) => void
}) {
  const [open, setOpen] = useState(false)
  const [search, setSearch] = useState('')
  const shown = keys.filter((k) => k.toLowerCase().includes(search.toLowerCase()))
  const toggle = (list: string[], id: string) =>
    list.includes(id) ? list.filter((x) => x !== id) : [...list, id]
  return (
    <div className="popover-anchor">
      <button type="button" className="ghost" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label="Columns">
          <input
            type="search"
            placeholder="Find a key"
            aria-label="Find a column"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          {shown.length === 0 && <p className="hint">No config or summary keys on the loaded runs.</p>}
          <ul>
            {shown.map((k) => (
              <li key={k}>
                <label>
                  <input
                    type="checkbox"
                    checked={columns.includes(k)}
                    onChange={() => onColumns(toggle(columns, k))}
                  />{' '}
                  {k}
                </label>
                {columns.includes(k) && (
                  <button
                    type="button"
                    className="ghost small"
                    aria-pressed={pinned.includes(k)}
                    onClick={() => onPinned(toggle(pinned, k))}
                  >
                    {pinned.includes(k) ? 'Unpin' : 'Pin'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
