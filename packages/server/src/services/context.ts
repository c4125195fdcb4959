import type { AlertWebhooks } from '../alerts/webhooks.js'
import type { Store } from '@stemma/store'
import type { RunEvents } from '../events/run-events.js'

/** What every service needs: the storage port and the injected clock and randomness. */
export interface ServiceContext {
  store: Store
  now: () => number
  random: () => number
  publicUrl: () => string
  /** Run events for live subscribers, in this and every other server process. */
  events: RunEvents
  /** Posts run alerts to the configured webhooks, in the background. */
  alerts?: AlertWebhooks
}
