import { describe, expect, it } from 'vitest'
import type { RunFile } from '@stemma/core'
import { bytes } from '../src/app/format'
import { fileRows, prettyJson, previewKind } from '../src/run/files'

const file = (name: string): RunFile => ({ name, size: 1, sha256: '0'.repeat(64), updatedAt: 0 })

describe('bytes', () => {
  it('uses the largest binary unit below 1024 of it', () => {
    expect(bytes(0)).toBe('0 B')
    expect(bytes(1023)).toBe('1023 B')
    expect(bytes(1024)).toBe('1.0 KiB')
    expect(bytes(1536)).toBe('1.5 KiB')
    expect(bytes(256 * 1024)).toBe('256 KiB')
    expect(bytes(1024 ** 2 - 1)).toBe('1.0 MiB')
    expect(bytes(5 * 1024 ** 3)).toBe('5.0 GiB')
    expect(bytes(2 * 1024 ** 6)).toBe('2048 PiB')
  })
})

describe('fileRows', () => {
  it('nests files under their directories, directories before files at each level', () => {
    const rows = fileRows(['z.txt', 'a/b/c.json', 'a/x.txt', 'a.txt', 'b/y.png'].map(file))
    expect(
      rows.map((r) => `${'  '.repeat(r.depth)}${r.kind === 'dir' ? `${r.path}/` : r.file.name}`),
    ).toEqual(['a/', '  a/b/', '    a/b/c.json', '  a/x.txt', 'b/', '  b/y.png', 'a.txt', 'z.txt'])
    expect(rows.filter((r) => r.kind === 'file').map((r) => r.name)).toEqual([
      'c.json',
      'x.txt',
      'y.png',
      'a.txt',
      'z.txt',
    ])
  })

  it('is empty for no files', () => {
    expect(fileRows([])).toEqual([])
  })
})

describe('previewKind', () => {
  it('previews only what the server serves inline', () => {
    expect(previewKind('logs/train.log')).toBe('text')
    expect(previewKind('requirements.txt')).toBe('text')
    expect(previewKind('src/Dockerfile')).toBe('text')
    expect(previewKind('config.JSON')).toBe('json')
    expect(previewKind('media/plot.png')).toBe('image')
    expect(previewKind('photo.jpeg')).toBe('image')
    for (const name of ['page.html', 'logo.svg', 'model.pt', 'noext', '.txt', 'dir.txt/blob'])
      expect(previewKind(name)).toBeNull()
  })
})

describe('prettyJson', () => {
  it('indents JSON and gives null for text that does not parse', () => {
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}')
    expect(prettyJson('{"a": 1')).toBeNull()
  })
})
