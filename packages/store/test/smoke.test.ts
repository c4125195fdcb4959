import { describe, expect, it } from 'vitest'
import { m4 } from '@stemma/core'
import { DIALECTS } from './dialects.js'
import { logRows, ref, runInput } from './helpers.js'

for (const dialect of DIALECTS) {
  describe(`smoke [${dialect.name}]`, () => {
    it('ingests and reads back', async () => {
      const { store, cleanup } = dialect.open()
      await store.runs.create(runInput('r1'))
      const rows = Array.from({ length: 10000 }, (_, i) => ({ step: i, a: Math.sin(i), b: i * 2 }))
      await logRows(store, ref('r1'), rows)
      const out = await store.history.read(ref('r1'), { keys: ['a'] })
      expect(out.steps.length).toBe(10000)
      expect(out.columns.a![5]).toBe(Math.sin(5))
      const b = await store.history.buckets(ref('r1'), { key: 'a', buckets: 100 })
      expect(b).toMatchObject(m4(rows.map((r) => r.step), rows.map((r) => r.a), 0, 9999, 100))
      const run = await store.runs.get(ref('r1'))
      expect(run?.summary).toMatchObject({ a: Math.sin(9999), b: 19998, _step: 9999 })
      await cleanup()
    })
  })
}
