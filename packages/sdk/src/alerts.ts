import { ALERT_LEVELS, StemmaError, type AlertLevel, type RunAlert } from '@stemma/core'

export interface AlertOptions {
  title: string
  text: string
  level?: AlertLevel
  /** Seconds during which another alert with the same title is not sent (default 60). */
  waitDuration?: number
}

const DEFAULT_WAIT_S = 60

/** Checks `run.alert()` arguments and holds back a title sent again within its wait. */
export class AlertThrottle {
  /** Title → when an alert with it was last sent. */
  private readonly sent = new Map<string, number>()

  /** The alert to send, or null when its title is still within its wait. */
  admit(options: AlertOptions, now: number): RunAlert | null {
    const { title, text } = options
    const level = options.level ?? 'INFO'
    if (typeof title !== 'string' || title === '' || title.length > 256) {
      throw new StemmaError('VALIDATION_FAILED', 'run.alert needs a title of 1 to 256 characters.')
    }
    if (typeof text !== 'string' || text.length > 16_384) {
      throw new StemmaError('VALIDATION_FAILED', 'run.alert needs a text of at most 16,384 characters.')
    }
    if (!(ALERT_LEVELS as readonly string[]).includes(level)) {
      throw new StemmaError('VALIDATION_FAILED', `run.alert level must be one of ${ALERT_LEVELS.join(', ')}.`)
    }
    const last = this.sent.get(title)
    if (last !== undefined && now - last < (options.waitDuration ?? DEFAULT_WAIT_S) * 1000) return null
    this.sent.set(title, now)
    return { t: now, title, text, level }
  }
}
