import type { MetricDefinition } from '@stemma/core'

export interface Section {
  name: string
  metrics: string[]
}

/** `defineMetric` names may end in `*` (`train/*`), as in W&B. */
function matches(def: MetricDefinition, key: string): boolean {
  return def.name.endsWith('*') ? key.startsWith(def.name.slice(0, -1)) : def.name === key
}

/** Keys hidden by `defineMetric({ hidden: true })` in any of the runs. */
export function isHidden(key: string, definitions: MetricDefinition[]): boolean {
  return definitions.some((d) => d.hidden === true && matches(d, key))
}

/** A search box's text as a case-insensitive regular expression, or a literal when it is not one. */
export function metricMatcher(search: string): (key: string) => boolean {
  if (search.trim() === '') return () => true
  try {
    const re = new RegExp(search, 'i')
    return (key) => re.test(key)
  } catch {
    const needle = search.toLowerCase()
    return (key) => key.toLowerCase().includes(needle)
  }
}

/** Panels by the prefix before the first `/` (`train/loss` → `train`), as W&B sections them. */
export function sections(keys: string[]): Section[] {
  const bySection = new Map<string, string[]>()
  for (const key of [...keys].sort()) {
    const slash = key.indexOf('/')
    const name = slash > 0 ? key.slice(0, slash) : 'Charts'
    let list = bySection.get(name)
    if (!list) bySection.set(name, (list = []))
    list.push(key)
  }
  return [...bySection.entries()]
    .sort(([a], [b]) => (a === 'Charts' ? -1 : b === 'Charts' ? 1 : a.localeCompare(b)))
    .map(([name, metrics]) => ({ name, metrics }))
}
