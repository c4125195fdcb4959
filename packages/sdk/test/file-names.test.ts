import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expandGlob } from '../src/files/glob.js'
import { codeFiles, matchesGlob } from '../src/files/log-code.js'
import { savedName } from '../src/files/saved-names.js'

let cwd: string
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'stemma-glob-'))
  for (const path of [
    'these/are/myfiles/a.txt',
    'these/are/myfiles/b.csv',
    'files/x/saveme.txt',
    'files/y/saveme.txt',
    'files/y/other.txt',
    'files/.hidden/saveme.txt',
    'src/train.ts',
    'src/lib/model.py',
    'node_modules/dep/index.js',
    'notes.md',
  ]) {
    mkdirSync(join(cwd, path, '..'), { recursive: true })
    writeFileSync(join(cwd, path), path)
  }
})
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

const names = (pattern: string, basePath?: string) =>
  expandGlob(pattern, cwd).map((file) => savedName(file, pattern, cwd, basePath))

describe('run.save names, by the seed’s examples', () => {
  it('keeps the path from the working directory for a relative glob', () => {
    expect(names('these/are/myfiles/*')).toEqual(['these/are/myfiles/a.txt', 'these/are/myfiles/b.csv'])
  })

  it('keeps the path below basePath', () => {
    expect(names('these/are/myfiles/*', 'these')).toEqual(['are/myfiles/a.txt', 'are/myfiles/b.csv'])
  })

  it('keeps the matches’ directory for an absolute glob, or the path below an absolute basePath', () => {
    expect(names(join(cwd, 'these/are/myfiles/*.txt'))).toEqual(['myfiles/a.txt'])
    expect(names(join(cwd, 'these/are/myfiles/*.txt'), join(cwd, 'these'))).toEqual(['are/myfiles/a.txt'])
  })

  it('saves each match of a directory wildcard in its subdirectory, hidden directories left out', () => {
    expect(names('files/*/saveme.txt')).toEqual(['files/x/saveme.txt', 'files/y/saveme.txt'])
    expect(names('files/**/*.txt')).toEqual(['files/x/saveme.txt', 'files/y/other.txt', 'files/y/saveme.txt'])
  })

  it('matches a plain path, and nothing for a missing one', () => {
    expect(names('notes.md')).toEqual(['notes.md'])
    expect(names('missing.md')).toEqual([])
  })

  it('refuses a basePath that is not above the files', () => {
    expect(() => names('these/are/myfiles/*', 'files')).toThrow(/basePath/)
  })
})

describe('logCode file selection', () => {
  it('takes source files and leaves out node_modules; include and exclude take globs or functions', () => {
    expect(codeFiles(cwd, {}).map((f) => f.rel)).toEqual(['src/lib/model.py', 'src/train.ts'])
    expect(codeFiles(cwd, { include: '**/*.txt', exclude: 'files/**' }).map((f) => f.rel)).toEqual([
      'these/are/myfiles/a.txt',
    ])
    expect(codeFiles(cwd, { include: (path) => path.endsWith('.md') }).map((f) => f.rel)).toEqual([
      'notes.md',
    ])
  })

  it('matches globs segment by segment', () => {
    expect(matchesGlob('a/b/c.ts', '**/*.ts')).toBe(true)
    expect(matchesGlob('c.ts', '**/*.ts')).toBe(true)
    expect(matchesGlob('a/c.ts', '*.ts')).toBe(false)
    expect(matchesGlob('a/c.ts', 'a/[bc].ts')).toBe(true)
  })
})
