import type { AlertWebhooks } from '../alerts/webhooks.js'
import type { BlobStore, Store } from '@stemma/store'
import type { RunEvents } from '../events/run-events.js'

/** What every service needs: the storage port and the injected clock and randomness. */
export interface ServiceContext {
  store: Store
  /** Where run file contents live; absent on a server without one (then files are refused). */
  blobs?: BlobStore
  now: () => number
  random: () => number
  publicUrl: () => string
  /** Run events for live subscribers, in this and every other server process. */
  events: RunEvents
  /** Posts run alerts to the configured webhooks, in the background. */
  alerts?: AlertWebhooks
}
