import { effectiveState, type RunDto, type RunEvent } from '@stemma/core'
import type { RunRecord } from '@stemma/store'

/** The event describing `run` as it is now, with the state users see (crashed is derived). */
export function runEvent(type: RunEvent['type'], run: RunRecord, now: number): RunEvent {
  return {
    type,
    entity: run.entity,
    project: run.project,
    runId: run.runId,
    state: effectiveState(run.state, run.heartbeatAt, run.heartbeatTimeoutS * 1000, now),
    lastStep: run.lastStep,
    stopRequested: run.stopRequested,
    at: now,
  }
}

/** The same from a run as the API returns it (its state already derived). */
export function runEventOfDto(type: RunEvent['type'], run: RunDto, now: number): RunEvent {
  const { entity, project, id: runId, state, lastStep, stopRequested } = run
  return { type, entity, project, runId, state, lastStep, stopRequested, at: now }
}
