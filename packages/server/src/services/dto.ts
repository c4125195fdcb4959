import { effectiveState, type RunDto } from '@stemma/core'
import type { RunRecord } from '@stemma/store'
import type { ServiceContext } from './context.js'

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The one RunRecord → RunDto mapping. The state is derived here, at read time, so a run whose
 * heartbeat went silent reads as crashed (or preempted) without anything being written.
 */
export function toRunDto(ctx: ServiceContext, run: RunRecord): RunDto {
  return {
    entity: run.entity,
    project: run.project,
    id: run.runId,
    name: run.displayName,
    notes: run.notes,
    tags: run.tags,
    group: run.group,
    jobType: run.jobType,
    state: effectiveState(run.state, run.heartbeatAt, run.heartbeatTimeoutS * 1000, ctx.now()),
    exitCode: run.exitCode,
    createdAt: iso(run.createdAt),
    heartbeatAt: iso(run.heartbeatAt),
    finishedAt: run.finishedAt === null ? null : iso(run.finishedAt),
    heartbeatTimeoutS: run.heartbeatTimeoutS,
    config: run.config,
    summary: run.summary,
    metadata: run.metadata,
    metrics: run.metrics,
    lastStep: run.lastStep,
    rejectedCount: run.rejectedCount,
    forkedFrom: run.forkedFrom,
    archived: run.archivedFrom !== null,
    stopRequested: run.stopRequested,
    url: runUrl(ctx.publicUrl(), run),
  }
}

function runUrl(publicUrl: string, run: Pick<RunRecord, 'entity' | 'project' | 'runId'>): string {
  const base = publicUrl.replace(/\/+$/, '')
  return `${base}/${run.entity}/${run.project}/runs/${encodeURIComponent(run.runId)}`
}

export { iso }
