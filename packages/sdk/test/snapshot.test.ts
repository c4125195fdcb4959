import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { snapshot } from '../src/snapshot.js'
import { buildSdk, SDK_DIST } from './helpers/child.js'
import { tempDir } from './helpers/env.js'

const wide = (keys: string[]) => Object.fromEntries(keys.map((k, i) => [k, i]))

describe('the copy log() takes of a wide dict', () => {
  it('is a copy: changing the dict after log() changes nothing logged', () => {
    const dict = wide(Array.from({ length: 20 }, (_, i) => `m${i}`))
    const copy = snapshot(dict)
    dict.m0 = 99
    expect(copy.m0).toBe(0)
    expect(copy).toEqual({ ...dict, m0: 0 })
  })

  it('keeps keys that look like code exactly, without running them', () => {
    const keys = [
      ...Array.from({ length: 15 }, (_, i) => `k${i}`),
      '"]; globalThis.pwned = 1; ["',
      "a'b",
      'line\nbreak',
      '\u2028',
      'back\\slash',
      '`${x}`',
    ]
    const copy = snapshot(wide(keys))
    expect(Object.keys(copy)).toEqual(keys)
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined()
  })

  describe('where code generation is disabled', () => {
    beforeAll(() => buildSdk())

    it('still logs wide dicts', () => {
      const dir = tempDir()
      const script = `
        const stemma = await import(${JSON.stringify(pathToFileURL(SDK_DIST).href)})
        const run = await stemma.init({ project: 'p', mode: 'offline', dir: ${JSON.stringify(dir)}, settings: { quiet: true } })
        const row = {}
        for (let k = 0; k < 20; k++) row['m' + k] = k
        run.log(row)
        await run.finish()
        console.log('step', run.step)`
      const out = execFileSync(
        process.execPath,
        ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
        { encoding: 'utf8' },
      )
      expect(out).toContain('step 1')
    })
  })
})
