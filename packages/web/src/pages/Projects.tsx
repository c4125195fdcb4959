import { api, seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { ago } from '../app/format'
import { Link } from '../app/link'
import { paths } from '../app/router'

interface ProjectSummary {
  name: string
  runCount: number
  lastActivityAt: string
  createdAt: string
}

export function Projects({ entity }: { entity: string }) {
  const { data, error } = useFetch(
    (signal) => api<{ projects: ProjectSummary[] }>(`/projects/${seg(entity)}`, { signal }),
    [entity],
  )
  return (
    <main className="page">
      <h1>Projects of {entity}</h1>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
      {data && data.projects.length === 0 && (
        <div className="empty">
          No projects yet. A run logged with{' '}
          <code>
            stemma.init({'{'} project: &apos;my-project&apos; {'}'})
          </code>{' '}
          creates one.
        </div>
      )}
      {data && data.projects.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>Project</th>
              <th>Runs</th>
              <th>Last activity</th>
            </tr>
          </thead>
          <tbody>
            {data.projects.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link href={paths.workspace(entity, p.name)}>{p.name}</Link>
                </td>
                <td className="num">{p.runCount}</td>
                <td title={p.lastActivityAt}>{ago(p.lastActivityAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  )
}
