import { readFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'files-proj'
const RUN = 'files-run'
const FILES = `/api/v1/runs/admin/${PROJECT}/${RUN}/files`

const TEXT = 'epoch 1 loss 0.50\nepoch 2 loss 0.25\n<b>not bold</b>\n'
const CONFIG = { lr: 0.01, layers: [64, 32], optimizer: { name: 'adam' } }
/** A page whose script would leave a mark (and a dialog) if it ever ran. */
const HTML = '<h1>report</h1><script>window.__filePwned = true; alert("from a run file")</script>'

/** A valid 24×16 RGB PNG, a gradient: signature, IHDR, one IDAT, IEND. */
function png(width = 24, height = 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit, truecolour, deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + width * 3))
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([x * 10, y * 15, 160], y * (1 + width * 3) + 1 + x * 3)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

async function put(name: string, body: string | Buffer) {
  const res = await web.server.request(`${FILES}/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
  expect(res.status, await res.text()).toBe(200)
}

beforeAll(async () => {
  web = await startWebTest()
  const res = await web.server.request('/api/v1/runs', {
    method: 'POST',
    body: JSON.stringify({ project: PROJECT, id: RUN, name: 'with files' }),
  })
  expect(res.status).toBe(201)
  await put('logs/train.log', TEXT)
  await put('config.json', JSON.stringify(CONFIG))
  await put('media/plot.png', png())
  await put('report.html', HTML)
  await put('logs/big.txt', 'y'.repeat(300 * 1024))
})
afterAll(async () => web?.close())

describe('run files tab', () => {
  it('lists files by directory, previews text, JSON and images, never HTML; updates live', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${RUN}/files`)
    const rows = page.locator('.file-list tr[data-file]')
    await expect.poll(() => rows.count()).toBe(5)
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-file')))).toEqual([
      'logs/big.txt',
      'logs/train.log',
      'media/plot.png',
      'config.json',
      'report.html',
    ])
    expect(await page.locator('.file-list tr.file-dir').allTextContents()).toEqual(['logs/', 'media/'])
    const trainRow = rows.filter({ hasText: 'train.log' })
    expect(await trainRow.locator('td.num').textContent()).toBe(`${Buffer.byteLength(TEXT)} B`)
    expect(await rows.filter({ hasText: 'big.txt' }).locator('td.num').textContent()).toBe('300 KiB')
    expect(await trainRow.locator('td').nth(2).textContent()).toMatch(/^\d+[smhd] ago$/)
    const link = page.getByRole('link', { name: 'Download logs/train.log' })
    expect(await link.getAttribute('href')).toBe(`${FILES}/logs%2Ftrain.log`)
    expect(await link.getAttribute('download')).toBe('train.log')

    const preview = page.getByRole('region', { name: 'Preview' })
    const select = async (name: string) => {
      await page.locator('.file-name', { hasText: name }).click()
      await preview.locator('.file-path', { hasText: name }).waitFor()
    }

    // Text: as text, markup included.
    await select('train.log')
    expect(new URL(page.url()).searchParams.get('file')).toBe('logs/train.log')
    await expect.poll(() => preview.locator('pre[data-preview=text]').textContent()).toBe(TEXT)
    expect(await preview.locator('b').count()).toBe(0)

    // A long text file: its first 256 KiB, and a note saying so.
    await select('big.txt')
    await preview.getByRole('status').filter({ hasText: 'Showing the first 256 KiB' }).waitFor()
    expect((await preview.locator('pre').textContent())!.length).toBe(256 * 1024)

    // JSON: pretty-printed.
    await select('config.json')
    await expect
      .poll(() => preview.locator('pre[data-preview=json]').textContent())
      .toBe(JSON.stringify(CONFIG, null, 2))
    await screenshot(page, 'run-files')

    // Image: decoded from an object URL.
    await select('plot.png')
    const img = preview.locator('img.file-image')
    await img.waitFor()
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(24)
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await screenshot(page, 'run-files-image')

    // HTML: no preview, nothing of it fetched into the page, nothing of it ran.
    await select('report.html')
    await preview.getByText('No preview for this type').waitFor()
    expect(await preview.locator('iframe, object, embed, img, pre, h1').count()).toBe(0)
    expect(await page.evaluate(() => (window as { __filePwned?: boolean }).__filePwned)).toBeUndefined()

    // A file uploaded while the page is open appears without a reload.
    await put('later/notes.md', '# later\n')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(6)
    expect(await page.locator('.file-list tr.file-dir').allTextContents()).toEqual([
      'later/',
      'logs/',
      'media/',
    ])

    // Downloading goes through the link, authenticated by the session cookie.
    const download = page.waitForEvent('download')
    await link.click()
    const saved = await download
    expect(saved.suggestedFilename()).toBe('train.log')
    expect(readFileSync((await saved.path())!, 'utf8')).toBe(TEXT)

    // Deleting asks first, then the row goes.
    await select('notes.md')
    await preview.getByRole('button', { name: 'Delete' }).click()
    await page
      .getByRole('dialog', { name: 'Delete this file?' })
      .getByRole('button', { name: 'Delete file' })
      .click()
    await expect.poll(() => rows.count()).toBe(5)
    expect(new URL(page.url()).searchParams.get('file')).toBeNull()
    const listed = await web.server.json<{ files: { name: string }[] }>(FILES)
    expect(listed.files.map((f) => f.name)).not.toContain('later/notes.md')
    expect(web.incidents).toEqual([])
  })

  it('opens a file straight from its address', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${RUN}/files?file=config.json`)
    const pre = page.getByRole('region', { name: 'Preview' }).locator('pre[data-preview=json]')
    await expect.poll(() => pre.textContent()).toBe(JSON.stringify(CONFIG, null, 2))
    expect(await page.locator('.file-list tr.selected').getAttribute('data-file')).toBe('config.json')
    expect(web.incidents).toEqual([])
  })
})
