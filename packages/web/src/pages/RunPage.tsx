import { useEffect, useState } from 'react'
import type { RunDto } from '@stemma/core'
import { api, seg } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { ConfirmDialog } from '../app/ConfirmDialog'
import { Link } from '../app/link'
import { liveEvents, runEventsPath, useEventStream } from '../app/live'
import { paths, RUN_TABS, useQueryParam, type RunTab } from '../app/router'
import { FilesTab } from '../run/FilesTab'
import { LogsTab } from '../run/LogsTab'
import { RunWorkspace } from '../run/RunWorkspace'
import { Overview } from '../run/Overview'
import { SystemTab } from '../run/SystemTab'

const TAB_LABELS: Record<RunTab, string> = {
  overview: 'Overview',
  workspace: 'Workspace',
  system: 'System',
  logs: 'Logs',
  files: 'Files',
  artifacts: 'Artifacts',
}

export function RunPage({
  entity,
  project,
  runId,
  tab,
}: {
  entity: string
  project: string
  runId: string
  tab: RunTab
}) {
  const [archiveParam] = useQueryParam('archive')
  const archive = archiveParam !== null && /^\d+$/.test(archiveParam) ? Number(archiveParam) : undefined
  const runPath = `/runs/${seg(entity)}/${seg(project)}/${seg(runId)}`
  const { data, error, reload } = useFetch(
    (signal) => api<RunDto>(runPath, { query: { archive }, signal }),
    [runPath, archive],
  )
  const [run, setRun] = useState<RunDto | null>(null)
  const [stopping, setStopping] = useState(false)
  useEffect(() => setRun(data ?? null), [data])

  useEventStream(archive === undefined ? runEventsPath(entity, project, runId) : null)
  // Live state first, then the whole run read again (exit code, end time, summary). A read is
  // started after each state change, and a newer one aborts an older one, so an answer from
  // before a change can never overwrite what the change showed.
  useEffect(
    () =>
      liveEvents.on(runId, (e) => {
        setRun((r) =>
          r && !r.archived
            ? { ...r, state: e.state, lastStep: e.lastStep, stopRequested: e.stopRequested }
            : r,
        )
        if (e.type === 'state') reload()
      }),
    [runId, reload],
  )

  if (error)
    return (
      <main className="page">
        <p role="alert" className="error">
          {error.message}
        </p>
      </main>
    )
  if (!run) return <div className="loading">Loading…</div>

  const stop = async () => {
    setStopping(false)
    const stopped = await api<RunDto>(`${runPath}/stop`, { method: 'POST' })
    // The process may have ended the run as killed already (its event arrived first).
    setRun((r) => (r && r.state !== 'running' ? r : stopped))
  }
  const query = archive !== undefined ? `?archive=${archive}` : ''

  return (
    <main className="run-page">
      <div className="run-head">
        <h1>
          <span className="chip on" />
          {run.name}
        </h1>
        <span className={`state ${run.state}`} data-testid="run-state">
          {run.state}
        </span>
        {run.archived && (
          <span className="badge" role="status">
            Archived state {archive} (read-only) ·{' '}
            <Link href={paths.run(entity, project, runId, tab)}>open the live run</Link>
          </span>
        )}
        {run.stopRequested && run.state === 'running' && <span className="badge">Stop requested…</span>}
        <span className="spacer" />
        {run.state === 'running' && !run.archived && (
          <button type="button" className="danger" onClick={() => setStopping(true)}>
            Stop
          </button>
        )}
      </div>
      <nav className="tabs" aria-label="Run tabs">
        {RUN_TABS.map((t) => (
          <Link
            key={t}
            href={paths.run(entity, project, runId, t) + query}
            aria-current={t === tab ? 'page' : undefined}
          >
            {TAB_LABELS[t]}
          </Link>
        ))}
      </nav>
      {tab === 'overview' && (
        <Overview
          run={run}
          runPath={runPath}
          {...(archive !== undefined && { archive })}
          onChanged={setRun}
        />
      )}
      {tab === 'workspace' && (
        <RunWorkspace
          entity={entity}
          project={project}
          run={run}
          {...(archive !== undefined && { archive })}
        />
      )}
      {tab === 'system' && <SystemTab runPath={runPath} {...(archive !== undefined && { archive })} />}
      {tab === 'logs' && (
        <LogsTab runPath={runPath} runId={runId} {...(archive !== undefined && { archive })} />
      )}
      {tab === 'files' && (
        <FilesTab
          runPath={runPath}
          runId={runId}
          readOnly={run.archived}
          {...(archive !== undefined && { archive })}
        />
      )}
      {tab === 'artifacts' && <div className="empty">This run has logged or used no artifacts.</div>}
      {stopping && (
        <ConfirmDialog
          title="Stop this run?"
          confirmLabel="Stop run"
          onConfirm={stop}
          onCancel={() => setStopping(false)}
        >
          <p>
            The run’s process is asked to stop; the run ends as <strong>killed</strong>.
          </p>
        </ConfirmDialog>
      )}
    </main>
  )
}
