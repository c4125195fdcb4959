import { useEffect, useState, type ReactNode } from 'react'

const SHORTCUTS: [string, string][] = [
  ['/', 'Focus search'],
  ['?', 'Show this list'],
  ['Esc', 'Close a dialog, leave a field'],
  ['Drag on a chart', 'Zoom to a range'],
  ['Double-click a chart', 'Reset the zoom'],
  ['- / + on a focused chart', 'Zoom out / in'],
  ['← / → on a focused chart', 'Pan'],
]

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return (
    !!el &&
    (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
  )
}

/** `/` focuses the page's search field (the first `[data-search]`), `?` lists the shortcuts. */
export function useShortcuts(): ReactNode {
  const [open, setOpen] = useState(false)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false)
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return
      if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>('[data-search]')
        if (search) {
          e.preventDefault()
          search.focus()
        }
      } else if (e.key === '?') {
        setOpen((o) => !o)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  if (!open) return null
  return (
    <div className="modal-backdrop" onClick={() => setOpen(false)}>
      <div
        className="modal"
        role="dialog"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </div>
  )
}
