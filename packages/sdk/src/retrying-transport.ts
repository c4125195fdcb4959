import type { HttpClient, Outcome, RequestOptions } from './transport.js'

export interface RetryPolicy {
  initialMs: number
  maxMs: number
  /** Give up (returning the last retryable outcome) once this much time has passed; Infinity never. */
  deadlineMs?: number
  /** Random in [0, 1), injectable so tests are deterministic. */
  random?: () => number
  /**
   * Waits hold the process open. Calls a user awaits (init, sync) need it, or Node would exit
   * mid-`await` with nothing left to run; background uploads must not keep a script alive.
   */
  keepAlive?: boolean
}

export interface RetryHooks {
  /** Called before each wait, e.g. to warn once that the server is unreachable. */
  onRetry?: (
    outcome: Extract<Outcome<unknown>, { kind: 'retryable' }>,
    attempt: number,
    waitMs: number,
  ) => void
  /** Checked before each wait; returning true stops retrying. */
  cancelled?: () => boolean
}

/** Full-jitter exponential backoff: attempt n waits a random time up to min(max, initial·2ⁿ), never under half of it. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** attempt)
  const random = policy.random ?? Math.random
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export function sleep(ms: number, ref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    if (!ref) timer.unref()
  })
}

/**
 * Wraps an `HttpClient` and repeats retryable outcomes with backoff, honouring `Retry-After`
 * (capped at `maxMs`). Returns the first success or failure, or the last retryable outcome
 * once the deadline passes or the caller cancels.
 */
export class RetryingTransport {
  constructor(
    readonly client: HttpClient,
    private readonly policy: RetryPolicy,
  ) {}

  async send<T>(request: RequestOptions, hooks: RetryHooks = {}): Promise<Outcome<T>> {
    const started = Date.now()
    const deadline = this.policy.deadlineMs ?? Infinity
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.client.request<T>(request)
      if (outcome.kind !== 'retryable') return outcome
      let waitMs = backoffMs(attempt, this.policy)
      if (outcome.afterMs !== undefined)
        waitMs = Math.min(Math.max(outcome.afterMs, 0), Math.max(this.policy.maxMs, 1))
      if (Date.now() - started + waitMs > deadline || hooks.cancelled?.() === true) return outcome
      hooks.onRetry?.(outcome, attempt, waitMs)
      await sleep(waitMs, this.policy.keepAlive === true)
      if (hooks.cancelled?.() === true) return outcome
    }
  }
}
