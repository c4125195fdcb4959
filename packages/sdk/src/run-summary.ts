import type { LocalSummary } from './local-summary.js'

/**
 * `run.summary`: what the server will show, computed locally from the logged rows (last value,
 * or the defineMetric aggregations). Values set here are overrides and win; `delete` removes one.
 */
export class RunSummary {
  constructor(
    private readonly local: LocalSummary,
    /** Brings rows still buffered into the local view before a read. */
    private readonly refresh: () => void,
    private readonly onOverride: (values: Record<string, unknown>) => void,
  ) {}

  get(key: string): unknown {
    return this.toJSON()[key]
  }

  set(key: string, value: unknown): void {
    this.update({ [key]: value })
  }

  update(values: Record<string, unknown>): void {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue
      this.local.overrides[key] = value
      out[key] = value
    }
    if (Object.keys(out).length > 0) this.onOverride(out)
  }

  delete(key: string): void {
    this.local.overrides[key] = null
    this.onOverride({ [key]: null })
  }

  keys(): string[] {
    return Object.keys(this.toJSON())
  }

  toJSON(): Record<string, unknown> {
    this.refresh()
    return this.local.compute()
  }
}
