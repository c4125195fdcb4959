import { useState, type ReactNode } from 'react'
import type { LineageResponse, RunAlert, RunDto } from '@stemma/core'
import { api } from '../api/client'
import { useFetch } from '../api/use-fetch'
import { dateTime, duration, valueText } from '../app/format'
import { Link } from '../app/link'
import { paths } from '../app/router'
import { runtimeMs } from '../runs/columns'
import { EditableNotes, EditableTags } from './editable'

const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)

/**
 * Duration counts the time the run's processes were running (W&B's `_runtime`, summed over
 * resumes by the SDK); runtime is the wall clock from start to end, pauses included.
 */
function durationMs(run: RunDto): number | null {
  const r = run.summary._runtime
  return typeof r === 'number' ? r * 1000 : null
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {children === '' || children === null || children === undefined ? (
          <span className="muted">—</span>
        ) : (
          children
        )}
      </dd>
    </>
  )
}

export function Overview({
  run,
  runPath,
  archive,
  onChanged,
}: {
  run: RunDto
  runPath: string
  archive?: number
  onChanged: (run: RunDto) => void
}) {
  const meta = run.metadata as Record<string, unknown>
  const git = (meta.git ?? {}) as Record<string, unknown>
  const [copied, setCopied] = useState(false)
  const path = `${run.entity}/${run.project}/${run.id}`
  const lineage = useFetch(
    (signal) => api<LineageResponse>(`${runPath}/lineage`, { query: { archive }, signal }),
    [runPath, archive],
  )
  const readOnly = run.archived
  const command = [meta.program, ...(Array.isArray(meta.args) ? meta.args : [])]
    .filter((x) => x !== null && x !== undefined)
    .map(text)
    .join(' ')
  const runtime = typeof meta.runtime === 'string' ? meta.runtime : ''
  const [executable, version] = runtime.includes(' ') ? runtime.split(' ', 2) : [runtime, '']
  const hardware = [
    meta.cpuCount !== undefined ? `${text(meta.cpuCount)} CPU${meta.cpuCount === 1 ? '' : 's'}` : '',
    typeof meta.cpuModel === 'string' ? meta.cpuModel : '',
    typeof meta.memoryBytes === 'number' ? `${(meta.memoryBytes / 2 ** 30).toFixed(1)} GiB memory` : '',
    Array.isArray(meta.gpus) ? meta.gpus.map(text).join(', ') : '',
  ]
    .filter(Boolean)
    .join(' · ')

  const copy = async () => {
    await navigator.clipboard?.writeText(path).catch(() => {})
    setCopied(true)
    setTimeout(() => setCopied(false), 1500)
  }
  const d = durationMs(run)

  return (
    <div className="overview">
      <section className="card">
        <h2>Overview</h2>
        <dl className="fields">
          <Field label="Author">{run.entity}</Field>
          <Field label="Name">{run.name}</Field>
          <Field label="State">
            <span className={`state ${run.state}`}>{run.state}</span>
            {run.exitCode !== null && <span className="muted"> (exit code {run.exitCode})</span>}
          </Field>
          <Field label="Description">
            <EditableNotes run={run} runPath={runPath} readOnly={readOnly} onSaved={onChanged} />
          </Field>
          <Field label="Tags">
            <EditableTags run={run} runPath={runPath} readOnly={readOnly} onSaved={onChanged} />
          </Field>
          <Field label="Run path">
            <code>{path}</code>{' '}
            <button type="button" className="ghost small" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </Field>
          <Field label="Start time">{dateTime(run.createdAt)}</Field>
          <Field label="Duration">{d === null ? '' : duration(d)}</Field>
          <Field label="Runtime">{duration(runtimeMs(run))}</Field>
          <Field label="Command">{command ? <code>{command}</code> : ''}</Field>
          <Field label="Working directory">{text(meta.cwd)}</Field>
          <Field label="Git repository">{text(git.remote)}</Field>
          <Field label="Git commit">
            {git.commit ? <code>{text(git.commit)}</code> : ''}
            {git.dirty === true && <span className="muted"> (with uncommitted changes)</span>}
          </Field>
          <Field label="Git branch">{text(git.branch)}</Field>
          <Field label="Host name">{text(meta.host)}</Field>
          <Field label="OS">{text(meta.os)}</Field>
          <Field label="Executable">{executable}</Field>
          <Field label="Executable version">{version}</Field>
          <Field label="System hardware">{hardware}</Field>
          <Field label="SDK version">{text(meta.sdk)}</Field>
          <Field label="Group">{run.group ?? ''}</Field>
          <Field label="Job type">{run.jobType ?? ''}</Field>
          <Field label="Forked from">
            {run.forkedFrom ? (
              <Link href={paths.run(run.entity, run.project, run.forkedFrom.runId)} className="forked-from">
                {run.forkedFrom.runId} at step {run.forkedFrom.step}
              </Link>
            ) : (
              ''
            )}
          </Field>
        </dl>
      </section>
      <Lineage run={run} lineage={lineage.data} />
      <Alerts runPath={runPath} archive={archive} />
      <KeyValues title="Config" values={run.config} />
      <KeyValues title="Summary" values={run.summary} hideInternal />
      <section className="card">
        <h2>Artifact outputs</h2>
        <p className="empty">This run has logged no artifacts.</p>
      </section>
    </div>
  )
}

function Alerts({ runPath, archive }: { runPath: string; archive?: number | undefined }) {
  const { data } = useFetch(
    (signal) => api<{ alerts: RunAlert[] }>(`${runPath}/alerts`, { query: { archive }, signal }),
    [runPath, archive],
  )
  if (!data) return null
  return (
    <section className="card alerts">
      <h2>Alerts</h2>
      {data.alerts.length === 0 ? (
        <p className="muted">This run has raised no alerts.</p>
      ) : (
        <ul aria-label="Alerts">
          {[...data.alerts].reverse().map((a, i) => (
            <li key={i} className={`alert ${a.level.toLowerCase()}`}>
              <span className="level">{a.level}</span> <strong>{a.title}</strong>{' '}
              <span className="muted">{dateTime(new Date(a.t).toISOString())}</span>
              {a.text && <div className="alert-text">{a.text}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function Lineage({ run, lineage }: { run: RunDto; lineage: LineageResponse | undefined }) {
  if (!lineage) return null
  const { parent, children, rewinds } = lineage
  return (
    <section className="card lineage">
      <h2>Lineage</h2>
      <ul className="tree" aria-label="Lineage tree">
        {parent && (
          <li>
            <Link href={paths.run(run.entity, run.project, parent.runId)}>{parent.runId}</Link>
            <span className="muted"> (parent, forked at step {parent.step})</span>
          </li>
        )}
        <li className={parent ? 'child' : ''}>
          <strong>{run.name}</strong> <span className="muted">({run.id}, this run)</span>
          {children.length > 0 && (
            <ul>
              {children.map((c) => (
                <li key={c.runId}>
                  <Link href={paths.run(run.entity, run.project, c.runId)}>{c.runId}</Link>
                  <span className="muted"> forked at step {c.step}</span>
                </li>
              ))}
            </ul>
          )}
        </li>
      </ul>
      <h3>Archived rewinds</h3>
      {rewinds.length === 0 ? (
        <p className="muted">This run was never rewound.</p>
      ) : (
        <ul className="rewinds">
          {rewinds.map((r) => (
            <li key={r.archiveIndex}>
              <Link href={`${paths.run(run.entity, run.project, run.id)}?archive=${r.archiveIndex}`}>
                Archive {r.archiveIndex}
              </Link>{' '}
              <span className="muted">
                rewound to step {r.step} on {dateTime(r.at)}; it had reached step {r.lastStep ?? '—'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function KeyValues({
  title,
  values,
  hideInternal,
}: {
  title: string
  values: Record<string, unknown>
  hideInternal?: boolean
}) {
  const entries = Object.entries(values).filter(([k]) => !hideInternal || !k.startsWith('_'))
  entries.sort(([a], [b]) => a.localeCompare(b))
  return (
    <section className="card">
      <h2>{title}</h2>
      {entries.length === 0 ? (
        <p className="muted">Empty.</p>
      ) : (
        <table className="kv" aria-label={title}>
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{valueText(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
