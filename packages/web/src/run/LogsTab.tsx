import { useEffect, useMemo, useRef, useState } from 'react'
import type { ConsoleLine } from '@stemma/core'
import { api } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { liveEvents } from '../app/live'
import { ansiSpans, plainText } from './ansi'

const LIMIT = 100_000

/** Console output: ANSI colours, stderr marked, line numbers, search, follow mode and download. */
export function LogsTab({ runPath, runId, archive }: { runPath: string; runId: string; archive?: number }) {
  const { data, reload } = useFetch(
    (signal) =>
      api<{ lines: ConsoleLine[] }>(`${runPath}/console`, { query: { limit: LIMIT, archive }, signal }),
    [runPath, archive],
  )
  const [search, setSearch] = useState('')
  const [follow, setFollow] = useState(true)
  const bottom = useRef<HTMLDivElement>(null)
  const lines = useMemo(() => data?.lines ?? [], [data])

  // New console lines come with data events; reload at most once a second while following.
  useEffect(() => {
    if (archive !== undefined || !follow) return
    let timer: ReturnType<typeof setTimeout> | null = null
    const off = liveEvents.on(runId, (e) => {
      if (e.type !== 'data' || timer) return
      timer = setTimeout(() => {
        timer = null
        reload()
      }, 1000)
    })
    return () => {
      off()
      if (timer) clearTimeout(timer)
    }
  }, [runId, archive, follow]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (follow) bottom.current?.scrollIntoView({ block: 'end' })
  }, [lines.length, follow])

  const needle = search.toLowerCase()
  const shown = useMemo(
    () =>
      lines
        .map((line, i) => ({ line, n: i + 1 }))
        .filter(({ line }) => needle === '' || plainText(line.line).toLowerCase().includes(needle)),
    [lines, needle],
  )
  const download = () => {
    const text = lines.map((l) => (l.stream === 'stderr' ? 'ERR ' : '') + plainText(l.line)).join('\n') + '\n'
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
    const a = document.createElement('a')
    a.href = url
    a.download = `${runId}-output.log`
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  if (data && lines.length === 0) {
    return <div className="empty">No console output recorded for this run.</div>
  }
  return (
    <section className="logs">
      <div className="logs-bar">
        <input
          type="search"
          data-search
          placeholder="Search logs"
          aria-label="Search logs"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <button type="button" className="ghost" onClick={download}>
          Download
        </button>
        <span className="hint">
          {shown.length} of {lines.length} lines
        </span>
      </div>
      <div className="log-lines" role="log">
        {shown.map(({ line, n }) => (
          <div key={n} className={`log-line ${line.stream}`}>
            <span className="ln">{n}</span>
            {line.stream === 'stderr' && <span className="stream-mark">stderr</span>}
            <span className="text">
              {ansiSpans(line.line).map((s, i) => (
                <span key={i} className={s.className || undefined}>
                  {s.text}
                </span>
              ))}
            </span>
          </div>
        ))}
        <div ref={bottom} />
      </div>
    </section>
  )
}
