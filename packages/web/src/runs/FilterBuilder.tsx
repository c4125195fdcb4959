import { FILTER_OPS, OP_LABELS, type FilterOp, type FilterRow } from './run-query'

const FIXED_FIELDS = ['state', 'tags', 'name', 'group', 'jobType', 'notes']

/** Rows of field / operator / value; the server evaluates them (see buildFilter). */
export function FilterBuilder({
  rows,
  onChange,
  keys,
}: {
  rows: FilterRow[]
  onChange: (rows: FilterRow[]) => void
  keys: string[]
}) {
  const fields = [...FIXED_FIELDS, ...keys]
  const set = (i: number, row: FilterRow) => onChange(rows.map((r, j) => (j === i ? row : r)))
  return (
    <div className="filter-builder" aria-label="Filters">
      {rows.map(([field, op, value], i) => (
        <div className="filter-row" key={i}>
          <input
            aria-label="Filter field"
            list="filter-fields"
            value={field}
            onChange={(e) => set(i, [e.target.value, op, value])}
          />
          <select
            aria-label="Filter operator"
            value={op}
            onChange={(e) => set(i, [field, e.target.value as FilterOp, value])}
          >
            {FILTER_OPS.map((o) => (
              <option key={o} value={o}>
                {OP_LABELS[o]}
              </option>
            ))}
          </select>
          {op !== '$exists' && (
            <input
              aria-label="Filter value"
              value={value}
              onChange={(e) => set(i, [field, op, e.target.value])}
            />
          )}
          <button
            type="button"
            className="ghost"
            aria-label="Remove filter"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <datalist id="filter-fields">
        {fields.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <button
        type="button"
        className="ghost"
        onClick={() => onChange([...rows, ['state', '$eq', 'finished']])}
      >
        + Filter
      </button>
    </div>
  )
}
