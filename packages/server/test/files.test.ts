import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunFile, RunFileList } from '@stemma/core'
import { batch, json, startApp, type TestApp } from './helpers.js'

let t: TestApp
beforeEach(async () => {
  t = await startApp()
  for (const id of ['run1', 'run2']) {
    const res = await t.call('POST', '/api/v1/runs', { project: 'files', id })
    expect(res.statusCode, res.body).toBe(201)
  }
})
afterEach(() => t.close())

const FILES = '/api/v1/runs/admin/files/run1/files'
const fileUrl = (name: string, run = 'run1') =>
  `/api/v1/runs/admin/files/${run}/files/${encodeURIComponent(name)}`

function put(
  name: string,
  body: string | Buffer,
  options: { run?: string; type?: string; key?: string } = {},
) {
  return t.app.inject({
    method: 'PUT',
    url: fileUrl(name, options.run),
    headers: {
      authorization: `Bearer ${options.key ?? t.adminKey}`,
      'content-type': options.type ?? 'application/octet-stream',
    },
    payload: body,
  })
}

function get(name: string, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'GET',
    url: fileUrl(name),
    headers: { authorization: `Bearer ${t.adminKey}`, ...headers },
  })
}

/** Blob files on disk, partial uploads left out. */
function storedBlobs(): number {
  let count = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (entry === 'incoming') continue
      if (statSync(path).isDirectory()) walk(path)
      else count++
    }
  }
  try {
    walk(t.blobDir)
  } catch {
    return 0
  }
  return count
}

/** Deletes of freed blobs run after the reply; give them a moment. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50))
}

describe('run files over REST', () => {
  it('uploads, lists, downloads whole and by range, and replaces a file', async () => {
    const up = await put('checkpoints/notes.txt', 'hello, files')
    expect(up.statusCode, up.body).toBe(200)
    const file = json<RunFile>(up)
    expect(file).toMatchObject({ name: 'checkpoints/notes.txt', size: 12 })
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/)

    // A JSON file sent as JSON is stored as the bytes sent, not parsed and re-encoded.
    const raw = '{ "b": 1,\n  "a": [1, 2] }'
    expect((await put('config.json', raw, { type: 'application/json' })).statusCode).toBe(200)

    const list = json<RunFileList>(await t.call('GET', FILES))
    expect(list.files.map((f) => f.name)).toEqual(['checkpoints/notes.txt', 'config.json'])

    const whole = await get('checkpoints/notes.txt')
    expect(whole.statusCode).toBe(200)
    expect(whole.body).toBe('hello, files')
    expect(whole.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(whole.headers['accept-ranges']).toBe('bytes')
    expect((await get('config.json')).body).toBe(raw)

    const part = await get('checkpoints/notes.txt', { range: 'bytes=7-10' })
    expect(part.statusCode).toBe(206)
    expect(part.body).toBe('file')
    expect(part.headers['content-range']).toBe('bytes 7-10/12')
    expect((await get('checkpoints/notes.txt', { range: 'bytes=-5' })).body).toBe('files')
    expect((await get('checkpoints/notes.txt', { range: 'bytes=7-' })).body).toBe('files')
    const past = await get('checkpoints/notes.txt', { range: 'bytes=12-' })
    expect(past.statusCode).toBe(416)
    expect(past.headers['content-range']).toBe('bytes */12')

    expect((await put('checkpoints/notes.txt', 'second version')).statusCode).toBe(200)
    expect((await get('checkpoints/notes.txt')).body).toBe('second version')
    await settle()
    // The first version is named by no file any more, so its blob is gone.
    expect(storedBlobs()).toBe(2)
  })

  it('stores content saved by several runs once, and frees it with the last file', async () => {
    const model = Buffer.alloc(64 * 1024, 7)
    expect((await put('model.bin', model)).statusCode).toBe(200)
    expect((await put('weights/model.bin', model, { run: 'run2' })).statusCode).toBe(200)
    await settle()
    expect(storedBlobs()).toBe(1)

    expect((await t.call('DELETE', fileUrl('model.bin'))).statusCode).toBe(204)
    await settle()
    expect(storedBlobs()).toBe(1)
    expect((await t.call('DELETE', '/api/v1/runs/admin/files/run2')).statusCode).toBe(204)
    await settle()
    expect(storedBlobs()).toBe(0)
  })

  it('serves only inert types inline; HTML and SVG are attachments with a sandbox policy', async () => {
    await put('report.html', '<script>alert(1)</script>')
    await put('chart.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    await put('plot.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    for (const name of ['report.html', 'chart.svg']) {
      const res = await get(name)
      expect(res.headers['content-type']).toBe('application/octet-stream')
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename=/)
      expect(res.headers['content-security-policy']).toContain('sandbox')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
    const png = await get('plot.png')
    expect(png.headers['content-type']).toBe('image/png')
    expect(png.headers['content-disposition']).toBe('inline')
  })

  it('refuses names that could escape the run, and stores nothing for them', async () => {
    for (const name of [
      '../x',
      'a/../../x',
      '/etc/passwd',
      'a\\b',
      'a\u0000b',
      'a\nb',
      'a//b',
      'a/',
      '.',
      'a/./b',
    ]) {
      const res = await put(name, 'x')
      expect(res.statusCode, `${JSON.stringify(name)}: ${res.body}`).toBe(422)
    }
    expect(json<RunFileList>(await t.call('GET', FILES)).files).toEqual([])
    expect(storedBlobs()).toBe(0)
  })

  it('answers 404 for a missing file or run, and refuses another user’s run', async () => {
    expect((await get('nope.txt')).statusCode).toBe(404)
    expect((await t.call('DELETE', fileUrl('nope.txt'))).statusCode).toBe(404)
    expect((await put('a.txt', 'x', { run: 'norun' })).statusCode).toBe(404)
    const other = await t.addUser('other')
    expect((await put('a.txt', 'x', { key: other })).statusCode).toBe(403)
    expect(storedBlobs()).toBe(0)
  })

  it('keeps files with the live run across a rewind; the archive reads them but takes no writes', async () => {
    await t.call('POST', '/api/v1/runs/admin/files/run1/batches', batch(1, 0, [{ loss: 1 }, { loss: 2 }]))
    await put('notes.md', '# notes')
    const rewound = await t.call('POST', '/api/v1/runs', {
      project: 'files',
      resumeFrom: 'run1?_step=0',
    })
    expect(rewound.statusCode, rewound.body).toBe(200)
    expect(json<RunFileList>(await t.call('GET', `${FILES}?archive=0`)).files.map((f) => f.name)).toEqual([
      'notes.md',
    ])
    expect(json<RunFileList>(await t.call('GET', FILES)).files.map((f) => f.name)).toEqual(['notes.md'])
  })

  it('takes a name of the longest length the API documents, in four-byte characters', async () => {
    const name = `${'😀'.repeat(511)}.t`
    expect(name.length).toBe(1024)
    const res = await put(name, 'long')
    expect(res.statusCode, res.body).toBe(200)
    expect((await get(name)).body).toBe('long')
    expect((await put(`${name}x`, 'too long')).statusCode).toBe(422)
  })

  it('accepts an empty file', async () => {
    expect((await put('empty.txt', '')).statusCode).toBe(200)
    const res = await get('empty.txt')
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('')
  })
})
