import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'charts-proj'
const STEPS = 1_000_000
const SPIKE_AT = 612_345
let spiky: string

beforeAll(async () => {
  web = await startWebTest()
  // One million steps with a single-step spike, logged through the SDK as a script would.
  const run = await initAgainst(web.server, { project: PROJECT, name: 'million' })
  for (let step = 0; step < STEPS; step++) {
    run.log({ loss: step === SPIKE_AT ? 100 : 1 + Math.sin(step / 5000) * 0.1 })
  }
  await run.finish()
  spiky = run.id
}, 240_000)
afterAll(async () => web?.close())

/** The chart's drawn extent, as the chart reports it on its element. */
async function extent(page: Page, metric: string) {
  const chart = page.locator(`.chart[data-metric="${metric}"]`).first()
  await chart.locator('canvas').waitFor()
  return chart.evaluate((el) => ({
    xMin: Number(el.getAttribute('data-x-min')),
    xMax: Number(el.getAttribute('data-x-max')),
    yMax: Number(el.getAttribute('data-y-max')),
    points: Number(el.getAttribute('data-points')),
  }))
}

/**
 * The topmost canvas row (as a fraction of the plot height) with the run's colour: a spike to
 * 100 over a line near 1 reaches the top of the plot, the rest of the line lies at the bottom.
 */
async function highestLinePixel(page: Page, metric: string, minAlpha = 200): Promise<number> {
  return page
    .locator(`.chart[data-metric="${metric}"] canvas`)
    .first()
    .evaluate((canvas: HTMLCanvasElement, minAlpha) => {
      const ctx = canvas.getContext('2d')!
      const { width, height } = canvas
      const pixels = ctx.getImageData(0, 0, width, height).data
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4
          const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!]
          // Saturated, opaque: a series stroke, not grid, axis text or background.
          if (a > minAlpha && Math.max(r, g, b) - Math.min(r, g, b) > 80) return y / height
        }
      }
      return 1
    }, minAlpha)
}

describe('charts', () => {
  it('shows a one-step spike among a million steps zoomed out, and still after zooming in', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${spiky}/workspace`)
    await expect.poll(async () => (await extent(page, 'loss')).xMax, { timeout: 20_000 }).toBe(STEPS - 1)
    const all = await extent(page, 'loss')
    expect(all.yMax).toBe(100)
    expect(all.points).toBeLessThan(20_000) // buckets, not a million points
    expect(await highestLinePixel(page, 'loss')).toBeLessThan(0.25)
    await screenshot(page, 'chart-million-steps')

    // Drag-select about 1% of the range around the spike; the chart re-queries that range.
    const over = page.locator('.chart[data-metric="loss"] .u-over').first()
    const box = (await over.boundingBox())!
    const at = (step: number) => box.x + (step / STEPS) * box.width
    await page.mouse.move(at(SPIKE_AT - 5_000), box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(at(SPIKE_AT + 5_000), box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect
      .poll(async () => (await extent(page, 'loss')).xMax - (await extent(page, 'loss')).xMin, {
        timeout: 10_000,
      })
      .toBeLessThan(20_000)
    const zoomed = await extent(page, 'loss')
    expect(zoomed.xMin).toBeLessThanOrEqual(SPIKE_AT)
    expect(zoomed.xMax).toBeGreaterThanOrEqual(SPIKE_AT)
    expect(zoomed.yMax).toBe(100)
    expect(await highestLinePixel(page, 'loss')).toBeLessThan(0.25)
    expect(new URL(page.url()).searchParams.get('zoom')).toMatch(/^\d+:\d+$/)
    await screenshot(page, 'chart-zoomed')

    // Double-click resets the zoom.
    await over.dblclick()
    await expect.poll(async () => (await extent(page, 'loss')).xMin, { timeout: 10_000 }).toBe(0)
    expect(new URL(page.url()).searchParams.get('zoom')).toBeNull()

    // Smoothed, the spike flattens in the line, but the buckets' min–max band still reaches it.
    await page.getByLabel('Smoothing').selectOption('ema')
    await expect.poll(() => new URL(page.url()).searchParams.get('smooth')).toBe('ema:0.6')
    await expect.poll(() => highestLinePixel(page, 'loss', 20)).toBeLessThan(0.25)
    await screenshot(page, 'chart-smoothed')
  })

  it('plots against a logged step metric', async () => {
    const run = await initAgainst(web.server, { project: PROJECT, name: 'epochs' })
    run.defineMetric('epoch', { hidden: true })
    for (let step = 0; step < 500; step++) run.log({ epoch: Math.floor(step / 100), val: step })
    await run.finish()
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${run.id}/workspace`)
    await expect.poll(async () => (await extent(page, 'val')).xMax).toBe(499)
    // Hidden by defineMetric: no panel of its own, but still an x axis.
    expect(await page.locator('.chart[data-metric="epoch"]').count()).toBe(0)
    await page.getByLabel('X axis').selectOption('epoch')
    await expect.poll(async () => (await extent(page, 'val')).xMax).toBe(4)
    expect((await extent(page, 'val')).xMin).toBe(0)
    expect(new URL(page.url()).searchParams.get('x')).toBe('epoch')
    // Relative time: seconds since the run started; wall time: Unix seconds.
    await page.getByLabel('X axis').selectOption('_runtime')
    await expect.poll(async () => (await extent(page, 'val')).xMax).toBeLessThan(60)
    expect((await extent(page, 'val')).xMax).toBeGreaterThan(0)
    await page.getByLabel('X axis').selectOption('_timestamp')
    await expect.poll(async () => (await extent(page, 'val')).xMin).toBeGreaterThan(Date.now() / 1000 - 300)
    expect((await extent(page, 'val')).xMax).toBeLessThanOrEqual(Date.now() / 1000)
  })

  it('draws a fork as one line through its parent’s steps, unless inherited points are hidden', async () => {
    const parent = await initAgainst(web.server, { project: PROJECT, name: 'parent' })
    for (let step = 0; step < 300; step++) parent.log({ score: step })
    await parent.finish()
    const fork = await initAgainst(web.server, {
      project: PROJECT,
      name: 'child',
      forkFrom: `${parent.id}?_step=199`,
    })
    for (let i = 0; i < 100; i++) fork.log({ score: 1000 + i })
    await fork.finish()

    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${fork.id}/workspace`)
    await expect.poll(async () => (await extent(page, 'score')).xMax).toBe(299)
    expect((await extent(page, 'score')).xMin).toBe(0)
    await screenshot(page, 'chart-fork')
    await page.getByLabel('hide inherited').check()
    await expect.poll(async () => (await extent(page, 'score')).xMin).toBe(200)

    // The family view charts the tree together: here the parent with its fork.
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${parent.id}/workspace?family=1`)
    await expect.poll(() => page.getByLabel('Legend').textContent()).toBe('parentchild (fork)')
    await expect.poll(async () => (await extent(page, 'score')).points).toBe(600)
    await screenshot(page, 'chart-family')

    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${fork.id}`)
    await page.locator('a.forked-from').click()
    await page.getByRole('heading', { name: 'parent' }).waitFor()
    expect(new URL(page.url()).pathname).toBe(`/admin/${PROJECT}/runs/${parent.id}`)
  })

  it('grows a running run’s chart while it logs, without reloading the page', async () => {
    const run = await initAgainst(web.server, { project: PROJECT, name: 'live' })
    run.log({ live_metric: 0 })
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${run.id}/workspace`)
    await expect
      .poll(async () => (await extent(page, 'live_metric')).points, { timeout: 10_000 })
      .toBeGreaterThan(0)
    const before = await extent(page, 'live_metric')
    const canvas = await page.locator('.chart[data-metric="live_metric"] canvas').elementHandle()
    for (let i = 1; i <= 20; i++) {
      run.log({ live_metric: i })
      await new Promise((r) => setTimeout(r, 50))
    }
    await expect.poll(async () => (await extent(page, 'live_metric')).xMax, { timeout: 10_000 }).toBe(20)
    expect(before.xMax).toBeLessThan(20)
    // The same chart, appended to: not re-created.
    expect(await canvas!.evaluate((c) => c.isConnected)).toBe(true)
    await run.finish()
  })
})
