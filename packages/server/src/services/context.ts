import type { Store } from '@stemma/store'

/** What every service needs: the storage port and the injected clock and randomness. */
export interface ServiceContext {
  store: Store
  now: () => number
  random: () => number
  publicUrl: () => string
}
