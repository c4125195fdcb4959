import { basename } from 'node:path'
import { expect, it } from 'vitest'
import { createRunDir } from '../src/run-dir.js'
import { tempDir } from './helpers/env.js'

it('gives each process resuming a run within one second a run directory of its own', () => {
  const dir = tempDir()
  const at = new Date(2026, 11, 1, 9, 5, 7)
  const names = [1, 2, 3].map(() => basename(createRunDir(dir, 'abc123', at)))
  expect(names).toEqual([
    'run-20261201_090507-abc123',
    'run-20261201_090507.2-abc123',
    'run-20261201_090507.3-abc123',
  ])
})
