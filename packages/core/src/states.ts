export const RUN_STATES = [
  'running',
  'finished',
  'failed',
  'crashed',
  'killed',
  'preempting',
  'preempted',
] as const
export type RunState = (typeof RUN_STATES)[number]

/** States a client may report when it ends a run. */
export type TerminalState = 'finished' | 'failed' | 'killed'

export function isRunState(value: unknown): value is RunState {
  return typeof value === 'string' && (RUN_STATES as readonly string[]).includes(value)
}

/**
 * `crashed` and `preempted` are never stored: they are what a running (or preempting) run
 * becomes once its heartbeat is older than its timeout, so any new data revives it.
 */
export function effectiveState(
  stored: RunState,
  heartbeatAtMs: number,
  timeoutMs: number,
  nowMs: number,
): RunState {
  const silent = nowMs - heartbeatAtMs > timeoutMs
  if (stored === 'running' && silent) return 'crashed'
  if (stored === 'preempting' && silent) return 'preempted'
  return stored
}

export function stateForExitCode(exitCode: number): TerminalState {
  return exitCode === 0 ? 'finished' : 'failed'
}
