import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { RunDto } from '@stemma/core'
import { Link } from '../app/link'
import { paths } from '../app/router'
import type { Column } from './columns'
import type { RunPages } from './run-pages'

const ROW_HEIGHT = 32
const NAME_WIDTH = 200
const LEAD_WIDTH = 56

interface Props {
  entity: string
  project: string
  pages: RunPages
  columns: Column[]
  /** Ids of pinned columns: kept beside the name while the table scrolls sideways. */
  pinned: string[]
  order: string
  onOrder: (order: string) => void
  /** Field whose value groups rows (they arrive ordered by it); null: no grouping. */
  groupBy: Column | null
  shown: Set<string>
  colorOf: (runId: string) => string
  onToggleShown: (run: RunDto) => void
  checked: Set<string>
  onToggleChecked: (run: RunDto) => void
  onHover: (runId: string | null) => void
}

/**
 * The runs table: virtual rows over server pages (only the visible rows exist in the page), a
 * sticky name column, sortable and resizable headers. Every value is rendered as text.
 */
export function RunsTable(props: Props) {
  const { pages, columns, order } = props
  const scroller = useRef<HTMLDivElement>(null)
  const [widths, setWidths] = useState<Record<string, number>>({})
  // A drag that ends outside the handle fires a click on the header: it must not sort.
  const resizing = useRef(false)
  const count = pages.total ?? 0
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items.at(-1)?.index ?? 0
  const { ensure } = pages
  useEffect(() => {
    if (count > 0) ensure(first, last)
  }, [first, last, count, ensure])

  const ordered = [
    ...columns.filter((c) => props.pinned.includes(c.id)),
    ...columns.filter((c) => !props.pinned.includes(c.id)),
  ]
  const widthOf = (c: Column) => widths[c.id] ?? c.width
  const stickyLeft = new Map<string, number>()
  let left = LEAD_WIDTH + NAME_WIDTH
  for (const c of ordered) {
    if (!props.pinned.includes(c.id)) break
    stickyLeft.set(c.id, left)
    left += widthOf(c)
  }
  const totalWidth = LEAD_WIDTH + NAME_WIDTH + ordered.reduce((n, c) => n + widthOf(c), 0)
  const now = Date.now()

  const sortBy = (id: string) => {
    if (resizing.current) return
    props.onOrder(order === id ? `-${id}` : order === `-${id}` ? id : `-${id}`)
  }
  const sortMark = (id: string) => (order === id ? ' ▲' : order === `-${id}` ? ' ▼' : '')

  const startResize = (c: Column) => (e: ReactPointerEvent) => {
    e.preventDefault()
    e.stopPropagation()
    const x0 = e.clientX
    const w0 = widthOf(c)
    resizing.current = true
    const move = (ev: PointerEvent) =>
      setWidths((w) => ({ ...w, [c.id]: Math.max(50, w0 + ev.clientX - x0) }))
    const up = () => {
      setTimeout(() => (resizing.current = false))
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
    }
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
  }

  const cellStyle = (c: Column) => {
    const sticky = stickyLeft.get(c.id)
    return {
      width: widthOf(c),
      ...(sticky !== undefined && { position: 'sticky' as const, left: sticky, zIndex: 1 }),
    }
  }

  return (
    <div className="runs-table" role="table" aria-label="Runs" aria-rowcount={count}>
      <div className="scroller" ref={scroller}>
        <div className="row header" role="row" style={{ width: totalWidth }}>
          <div className="cell lead sticky" role="columnheader" style={{ width: LEAD_WIDTH, left: 0 }} />
          <div
            className="cell name sticky sortable"
            role="columnheader"
            style={{ width: NAME_WIDTH, left: LEAD_WIDTH }}
            onClick={() => sortBy('name')}
            aria-sort={order === 'name' ? 'ascending' : order === '-name' ? 'descending' : 'none'}
          >
            Name{sortMark('name')}
          </div>
          {ordered.map((c) => (
            <div
              key={c.id}
              className={`cell${c.sortable ? ' sortable' : ''}${stickyLeft.has(c.id) ? ' sticky' : ''}`}
              role="columnheader"
              style={cellStyle(c)}
              title={c.label}
              onClick={c.sortable ? () => sortBy(c.id) : undefined}
              aria-sort={order === c.id ? 'ascending' : order === `-${c.id}` ? 'descending' : 'none'}
            >
              {c.label}
              {sortMark(c.id)}
              <span className="resize" onPointerDown={startResize(c)} onClick={(e) => e.stopPropagation()} />
            </div>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width: totalWidth, position: 'relative' }}>
          {items.map((item) => {
            const run = pages.rows.get(item.index)
            const previous = pages.rows.get(item.index - 1)
            const groupText = props.groupBy && run ? props.groupBy.text(run, now) : null
            const groupStart =
              groupText !== null && previous !== undefined && props.groupBy!.text(previous, now) !== groupText
            return (
              <div
                key={item.key}
                className={`row${groupStart || (item.index === 0 && groupText !== null) ? ' group-start' : ''}`}
                role="row"
                aria-rowindex={item.index + 1}
                data-run-id={run?.id}
                style={{ transform: `translateY(${item.start}px)`, width: totalWidth }}
                onMouseEnter={() => run && props.onHover(run.id)}
                onMouseLeave={() => props.onHover(null)}
              >
                {run ? (
                  <RunCells
                    {...props}
                    run={run}
                    now={now}
                    ordered={ordered}
                    cellStyle={cellStyle}
                    groupText={groupText}
                  />
                ) : (
                  <div className="cell loading-row" role="cell">
                    …
                  </div>
                )}
              </div>
            )
          })}
        </div>
      </div>
      {pages.error && (
        <p role="alert" className="error">
          {pages.error.message}
        </p>
      )}
    </div>
  )
}

function RunCells(
  props: Props & {
    run: RunDto
    now: number
    ordered: Column[]
    cellStyle: (c: Column) => object
    groupText: string | null
  },
) {
  const { run } = props
  const shown = props.shown.has(run.id)
  return (
    <>
      <div className="cell lead sticky" role="cell" style={{ width: LEAD_WIDTH, left: 0 }}>
        <input
          type="checkbox"
          aria-label={`Select ${run.name}`}
          checked={props.checked.has(run.id)}
          onChange={() => props.onToggleChecked(run)}
        />
        <button
          type="button"
          className={`chip${shown ? ' on' : ''}`}
          style={{
            background: shown ? props.colorOf(run.id) : 'transparent',
            borderColor: props.colorOf(run.id),
          }}
          aria-label={shown ? `Hide ${run.name} from charts` : `Show ${run.name} in charts`}
          aria-pressed={shown}
          onClick={() => props.onToggleShown(run)}
        />
      </div>
      <div
        className="cell name sticky"
        role="cell"
        style={{ width: NAME_WIDTH, left: LEAD_WIDTH }}
        title={run.name}
      >
        {props.groupText !== null && <span className="group-label">{props.groupText || '(none)'}</span>}
        <Link href={paths.run(props.entity, props.project, run.id)}>{run.name}</Link>
      </div>
      {props.ordered.map((c) => (
        <div
          key={c.id}
          className={`cell${c.id === 'state' ? ` state ${run.state}` : ''}`}
          role="cell"
          style={props.cellStyle(c)}
        >
          {c.text(run, props.now)}
        </div>
      ))}
    </>
  )
}
