import { StemmaError } from './errors.js'
import { isPlainObject } from './flatten.js'

export type Config = Record<string, unknown>

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Applies `update` to `config` as W&B does: top-level keys are set; changing the value of a key
 * that already exists is an error unless `allowValChange`. Returns the keys that changed.
 */
export function updateConfig(config: Config, update: Config, allowValChange = false): string[] {
  if (!isPlainObject(update)) {
    throw new StemmaError('VALIDATION_FAILED', 'config.update expects a plain object.')
  }
  const changed: string[] = []
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue
    if (key in config) {
      if (deepEqual(config[key], value)) continue
      if (!allowValChange) {
        throw new StemmaError(
          'CONFIG_VALUE_CHANGED',
          `config.${key} is already ${JSON.stringify(config[key])}; pass { allowValChange: true } to change it to ${JSON.stringify(value)}.`,
          { key },
        )
      }
    }
    config[key] = value
    changed.push(key)
  }
  return changed
}
