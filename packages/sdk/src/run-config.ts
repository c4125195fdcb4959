import { updateConfig, type Config } from '@stemma/core'

/** `run.config`: nested JSON; changing an existing key needs `allowValChange`, as in W&B. */
export class RunConfig {
  private readonly data: Config

  constructor(
    initial: Config,
    private readonly onChange: (changed: Config) => void = () => {},
  ) {
    this.data = structuredClone(initial)
  }

  update(values: Config, options: { allowValChange?: boolean } = {}): void {
    const changed = updateConfig(this.data, values, options.allowValChange === true)
    if (changed.length === 0) return
    const out: Config = {}
    for (const key of changed) out[key] = this.data[key]
    this.onChange(out)
  }

  set(key: string, value: unknown, options: { allowValChange?: boolean } = {}): void {
    this.update({ [key]: value }, options)
  }

  get(key: string): unknown {
    return this.data[key]
  }

  has(key: string): boolean {
    return key in this.data
  }

  keys(): string[] {
    return Object.keys(this.data)
  }

  toJSON(): Config {
    return structuredClone(this.data)
  }
}
