import type { RunFile } from '@stemma/core'
import { ago, bytes, dateTime } from '../app/format'
import { baseName, fileRows } from './files'

const indent = (depth: number) => ({ paddingLeft: 10 + depth * 16 })

/** The run's files as a tree by directory: name, size, last upload, download link. */
export function FileList({
  files,
  selected,
  fileUrl,
  onSelect,
}: {
  files: RunFile[]
  selected: string | null
  fileUrl: (name: string) => string
  onSelect: (name: string) => void
}) {
  return (
    <div className="file-list">
      <table className="list" aria-label="Files">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">Size</th>
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {fileRows(files).map((row) =>
            row.kind === 'dir' ? (
              <tr key={`d:${row.path}`} className="file-dir">
                <td colSpan={4} style={indent(row.depth)}>
                  {row.name}/
                </td>
              </tr>
            ) : (
              <tr
                key={`f:${row.file.name}`}
                className={row.file.name === selected ? 'selected' : undefined}
                data-file={row.file.name}
              >
                <td style={indent(row.depth)}>
                  <button
                    type="button"
                    className="file-name"
                    aria-current={row.file.name === selected ? 'true' : undefined}
                    title={row.file.name}
                    onClick={() => onSelect(row.file.name)}
                  >
                    {row.name}
                  </button>
                </td>
                <td className="num">{bytes(row.file.size)}</td>
                <FileTime at={row.file.updatedAt} />
                <td>
                  <a
                    href={fileUrl(row.file.name)}
                    download={baseName(row.file.name)}
                    aria-label={`Download ${row.file.name}`}
                  >
                    Download
                  </a>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  )
}

function FileTime({ at }: { at: number }) {
  const iso = new Date(at).toISOString()
  return (
    <td className="muted" title={dateTime(iso)}>
      {ago(iso)}
    </td>
  )
}
