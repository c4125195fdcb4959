import { effectiveState, type RunEvent } from '@stemma/core'
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
