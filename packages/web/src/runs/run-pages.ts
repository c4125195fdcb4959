import { useCallback, useEffect, useRef, useState } from 'react'
import type { RunDto, RunListResponse } from '@stemma/core'
import { api, seg } from '../api/client'

export const PAGE_SIZE = 100

export interface RunPages {
  total: number | null
  /** Row index → run, for the pages loaded so far. */
  rows: Map<number, RunDto>
  error: Error | null
  /** Loads the pages that hold rows `from`…`to` (a virtual table's visible window). */
  ensure: (from: number, to: number) => void
  /** Replaces a loaded run (after an edit or a live state change). */
  update: (run: Partial<RunDto> & { id: string }) => void
  reload: () => void
}

/**
 * A project's runs as sparse pages fetched by row offset, so a virtual table can jump to row
 * 50,000 without walking every page before it. A change of filter or order starts again.
 */
export function useRunPages(entity: string, project: string, filter: string | null, order: string): RunPages {
  const [total, setTotal] = useState<number | null>(null)
  const [rows, setRows] = useState(() => new Map<number, RunDto>())
  const [error, setError] = useState<Error | null>(null)
  const [generation, setGeneration] = useState(0)
  const requested = useRef(new Set<number>())
  const controller = useRef(new AbortController())

  const fetchPage = useCallback(
    (page: number) => {
      if (requested.current.has(page)) return
      requested.current.add(page)
      const signal = controller.current.signal
      api<RunListResponse>(`/runs/${seg(entity)}/${seg(project)}`, {
        query: { filter, order, limit: PAGE_SIZE, offset: page * PAGE_SIZE },
        signal,
      }).then(
        (res) => {
          if (signal.aborted) return
          setTotal(res.total)
          setError(null)
          setRows((old) => {
            const next = new Map(old)
            res.runs.forEach((run, i) => next.set(page * PAGE_SIZE + i, run))
            return next
          })
        },
        (err: Error) => {
          if (signal.aborted) return
          requested.current.delete(page)
          setError(err)
        },
      )
    },
    [entity, project, filter, order, generation], // eslint-disable-line react-hooks/exhaustive-deps
  )

  useEffect(() => {
    controller.current.abort()
    controller.current = new AbortController()
    requested.current = new Set()
    setRows(new Map())
    setTotal(null)
    fetchPage(0)
    return () => controller.current.abort()
  }, [fetchPage])

  const ensure = useCallback(
    (from: number, to: number) => {
      for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(to / PAGE_SIZE); p++) fetchPage(p)
    },
    [fetchPage],
  )

  const update = useCallback((run: Partial<RunDto> & { id: string }) => {
    setRows((old) => {
      let next: Map<number, RunDto> | null = null
      for (const [i, r] of old) {
        if (r.id !== run.id) continue
        next ??= new Map(old)
        next.set(i, { ...r, ...run })
      }
      return next ?? old
    })
  }, [])

  return { total, rows, error, ensure, update, reload: () => setGeneration((g) => g + 1) }
}
