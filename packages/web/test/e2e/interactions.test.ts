import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'keys-proj'
const METRICS = 5000
let wide: string

beforeAll(async () => {
  web = await startWebTest()
  // A run with thousands of metrics: only the panels near the viewport may exist as charts.
  const run = await initAgainst(web.server, { project: PROJECT, name: 'wide' })
  const row: Record<string, number> = {}
  for (let k = 0; k < METRICS; k++) row[`layer_${String(k).padStart(4, '0')}/grad`] = k
  run.log(row)
  run.log(row)
  await run.finish()
  wide = run.id
  for (const name of ['tag-me-1', 'tag-me-2']) {
    const r = await initAgainst(web.server, { project: PROJECT, name })
    for (let i = 0; i < 200; i++) r.log({ loss: i })
    await r.finish()
  }
}, 120_000)
afterAll(async () => web?.close())

describe('keyboard, themes, bulk tags and wide runs', () => {
  it('mounts only the charts near the viewport for a run with 5,000 metrics', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${wide}/workspace`)
    await page.locator('.chart[data-metric] canvas').first().waitFor({ timeout: 20_000 })
    expect(await page.locator('.panel').count()).toBe(METRICS)
    expect(await page.locator('.chart[data-metric]').count()).toBeLessThan(40)
    // A regex search narrows the panels to the matching metrics.
    await page.getByLabel('Search panels').fill('^layer_00(0[0-4])/')
    await expect.poll(() => page.locator('.panel').count()).toBe(5)
  })

  it('focuses search with /, lists shortcuts with ?, zooms and pans a focused chart with keys', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await page.locator('.chart[data-metric="loss"] canvas').waitFor()
    await page.keyboard.press('/')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search runs')
    await page.keyboard.press('Escape')
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    await page.keyboard.press('?')
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
    await screenshot(page, 'shortcuts')
    await page.keyboard.press('Escape')
    expect(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(0)

    const chart = page.locator('.chart[data-metric="loss"]')
    await chart.focus()
    await page.keyboard.press('+')
    await expect.poll(() => new URL(page.url()).searchParams.get('zoom')).not.toBeNull()
    const [a, b] = new URL(page.url()).searchParams.get('zoom')!.split(':').map(Number)
    await page.keyboard.press('ArrowRight')
    await expect
      .poll(() => Number(new URL(page.url()).searchParams.get('zoom')!.split(':')[0]))
      .toBeGreaterThan(a!)
    await page.keyboard.press('-')
    await expect
      .poll(() => {
        const [c, d] = new URL(page.url()).searchParams.get('zoom')!.split(':').map(Number)
        return d! - c!
      })
      .toBeGreaterThan(b! - a!)
  })

  it('adds a tag to every checked run', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await page.getByLabel('Select tag-me-1').check()
    await page.getByLabel('Select tag-me-2').check()
    await page.getByLabel('Tag to add').fill('reviewed')
    await page.getByRole('button', { name: 'Add tag' }).click()
    await expect
      .poll(() => page.locator('[role=row]', { hasText: 'tag-me-1' }).textContent())
      .toContain('reviewed')
    const tagged = await web.server.json<{ runs: { name: string }[] }>(
      `/api/v1/runs/admin/${PROJECT}?filter=${encodeURIComponent(JSON.stringify({ tags: 'reviewed' }))}`,
    )
    expect(tagged.runs.map((r) => r.name).sort()).toEqual(['tag-me-1', 'tag-me-2'])
  })

  it('switches to the dark theme and keeps it across pages', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await page.getByRole('button', { name: 'Dark theme' }).click()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await page.locator('.chart[data-metric="loss"] canvas').waitFor()
    await page.reload()
    await page.locator('.chart[data-metric="loss"] canvas').waitFor()
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await screenshot(page, 'workspace-dark')
  })
})
