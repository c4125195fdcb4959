import type { SystemSample } from '@stemma/core'
import { api } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { StaticChart } from '../charts/StaticChart'
import { runColor } from '../charts/colors'

/** One chart per system series (CPU, memory, GPU per device…), in the order the keys sort. */
export function SystemTab({ runPath, archive }: { runPath: string; archive?: number }) {
  const { data } = useFetch(
    (signal) =>
      api<{ samples: SystemSample[] }>(`${runPath}/system`, { query: { limit: 100_000, archive }, signal }),
    [runPath, archive],
  )
  if (!data) return <div className="loading">Loading…</div>
  if (data.samples.length === 0) return <div className="empty">No system metrics recorded for this run.</div>
  const xs = data.samples.map((s) => s.t / 1000)
  const keys = [...new Set(data.samples.flatMap((s) => Object.keys(s.values)))].sort()
  return (
    <div className="panel-grid">
      {keys.map((key) => (
        <div className="panel" key={key}>
          <h3>{key}</h3>
          <StaticChart
            xs={xs}
            ys={data.samples.map((s) => s.values[key] ?? null)}
            color={runColor(key)}
            label={key}
          />
        </div>
      ))}
    </div>
  )
}
