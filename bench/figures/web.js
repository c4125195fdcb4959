// The web app in headless Chromium (Debian's, via playwright-core): first-page JavaScript, a run
// page of 20 panels over 1 M steps, zoom, a 100 k-run table, and a live run's main-thread cost.
/* global document, innerHeight */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { get } from 'node:http'
import { chromium } from 'playwright-core'
import { openSqliteStore } from '@stemma/store'
import * as stemma from '@stemma/sdk'
import { API_KEY, median, report, startServer } from '../harness.js'

const CHROMIUM = process.env.STEMMA_TEST_CHROMIUM ?? '/usr/bin/chromium'
const REPEATS = 5

/** Bytes on the wire for the first page's scripts and styles, as a browser asking for gzip gets them. */
async function shippedJavaScript(baseUrl) {
  const index = await (await fetch(`${baseUrl}/sign-in`)).text()
  const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
  const wire = (path) =>
    new Promise((resolve, reject) => {
      get(`${baseUrl}${path}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let bytes = 0
        res.on('data', (c) => (bytes += c.length))
        res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity' }))
      }).on('error', reject)
    })
  const sizes = await Promise.all(assets.map(async (a) => ({ a, ...(await wire(a)) })))
  const sum = (ext) => sizes.filter((s) => s.a.endsWith(ext)).reduce((n, s) => n + s.bytes, 0)
  report({
    figure: 'web_first_page_js_gzip_kb',
    value: +(sum('.js') / 1024).toFixed(1),
    css_kb: +(sum('.css') / 1024).toFixed(1),
    encodings: [...new Set(sizes.map((s) => s.encoding))],
    target: '<= 300',
  })
}

async function fillRuns(dataDir, runs) {
  const store = await openSqliteStore({ path: join(dataDir, 'stemma.db') })
  for (let i = 0; i < runs; i++) {
    await store.runs.create({
      entity: 'admin',
      project: 'big',
      runId: `r${String(i).padStart(6, '0')}`,
      heartbeatTimeoutS: 60,
      now: 1_700_000_000_000 + i * 1000,
      config: { lr: (i % 100) / 1000, layers: i % 7 },
      tags: i % 5 ? [] : ['best'],
    })
  }
  await store.close()
}

async function seedPanels(baseUrl, dir, steps, metrics) {
  const run = await stemma.init({
    baseUrl,
    apiKey: API_KEY,
    dir,
    project: 'panels',
    name: 'million',
    settings: { quiet: true },
  })
  const row = {}
  for (let step = 0; step < steps; step++) {
    for (let k = 0; k < metrics; k++)
      row[`m${String(k).padStart(2, '0')}`] = Math.sin(step / 1000 + k) + (step === 500_000 + k ? 50 : 0)
    run.log(row)
  }
  await run.finish()
  return run.id
}

async function signedInPage(browser, baseUrl) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } })
  const page = await context.newPage()
  await page.goto(`${baseUrl}/sign-in#key=${API_KEY}`)
  await page.waitForURL((u) => u.pathname !== '/sign-in')
  return { context, page }
}

/** Resolves once every chart inside the viewport has drawn points spanning less than `maxSpan`. */
async function allVisibleDrawn(page, maxSpan = Infinity) {
  // A function, not a string: the app's Content-Security-Policy forbids evaluating strings.
  await page.waitForFunction(
    (span) => {
      const charts = [...document.querySelectorAll('.chart[data-metric]')].filter((el) => {
        const r = el.getBoundingClientRect()
        return r.bottom > 0 && r.top < innerHeight
      })
      const drawn = (el) =>
        el.querySelector('canvas') &&
        el.dataset.points > 0 &&
        Number(el.dataset.xMax) - Number(el.dataset.xMin) < span
      return charts.length > 0 && charts.every(drawn)
    },
    maxSpan,
    { polling: 'raf', timeout: 60_000 },
  )
}

async function runPageFigures(browser, baseUrl, runId, steps) {
  const { context, page } = await signedInPage(browser, baseUrl)
  const url = `${baseUrl}/admin/panels/runs/${runId}/workspace`
  const draw = []
  const zoom = []
  for (let i = 0; i < REPEATS; i++) {
    await page.goto('about:blank')
    const t0 = Date.now()
    await page.goto(url)
    await allVisibleDrawn(page)
    draw.push(Date.now() - t0)
    // Zoom to 1% of the range by dragging on the first chart; every visible chart re-queries.
    const over = page.locator('.chart[data-metric] .u-over').first()
    const box = await over.boundingBox()
    const from = 0.5 - (i + 1) * 0.01
    const t1 = Date.now()
    await page.mouse.move(box.x + box.width * from, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * (from + 0.01), box.y + box.height / 2, { steps: 2 })
    await page.mouse.up()
    await allVisibleDrawn(page, steps * 0.02)
    zoom.push(Date.now() - t1)
  }
  report({
    figure: 'web_run_page_20_panels_1m_steps_ms',
    steps,
    median: median(draw),
    samples: draw,
    target: '<= 1500',
  })
  report({ figure: 'web_zoom_1pct_redraw_ms', median: median(zoom), samples: zoom, target: '<= 200' })
  await context.close()
}

async function runsTableFigures(browser, baseUrl, runs) {
  const { context, page } = await signedInPage(browser, baseUrl)
  const first = []
  const jump = []
  for (let i = 0; i < REPEATS; i++) {
    await page.goto('about:blank')
    const t0 = Date.now()
    await page.goto(`${baseUrl}/admin/big`)
    await page.locator('[role=row][data-run-id]').first().waitFor()
    first.push(Date.now() - t0)
    const target = Math.floor(runs / 2) + i * 1000
    const t1 = Date.now()
    await page.locator('.runs-table .scroller').evaluate((el, row) => (el.scrollTop = row * 32), target)
    await page.waitForFunction(
      (row) => !!document.querySelector(`[role=row][aria-rowindex="${row + 1}"][data-run-id]`),
      target,
      { polling: 'raf' },
    )
    jump.push(Date.now() - t1)
  }
  report({
    figure: 'web_runs_table_first_page_ms',
    runs,
    median: median(first),
    samples: first,
    target: '<= 500',
  })
  report({
    figure: 'web_runs_table_scroll_to_middle_ms',
    row: Math.floor(runs / 2),
    runs,
    median: median(jump),
    samples: jump,
    target: '<= 300',
  })
  await context.close()
}

/** Main-thread busy share while a run logs 100 steps/s (5 metrics) into an open run page. */
async function liveFigures(browser, baseUrl, dir) {
  const run = await stemma.init({
    baseUrl,
    apiKey: API_KEY,
    dir,
    project: 'live',
    name: 'live',
    settings: { quiet: true },
  })
  let step = 0
  const log = () => run.log({ a: Math.sin(step / 10), b: step, c: 1 / (step + 1), d: step % 7, e: ++step })
  for (let i = 0; i < 100; i++) log()
  const timer = setInterval(log, 10)
  const { context, page } = await signedInPage(browser, baseUrl)
  await page.goto(`${baseUrl}/admin/live/runs/${run.id}/workspace`)
  await allVisibleDrawn(page)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]))
  }
  const a = await metric()
  const stepsBefore = step
  await new Promise((r) => setTimeout(r, 10_000))
  const b = await metric()
  clearInterval(timer)
  await run.finish()
  const busy = (b.TaskDuration - a.TaskDuration) / (b.Timestamp - a.Timestamp)
  report({
    figure: 'web_live_main_thread_busy_pct',
    steps_per_s: (step - stepsBefore) / 10,
    value: +(busy * 100).toFixed(1),
    target: '< 20',
  })
  await context.close()
}

export async function webFigures(n) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stemma-bench-web-'))
  const runs = n(100_000)
  await fillRuns(dataDir, runs)
  const server = await startServer({ dataDir })
  await shippedJavaScript(server.baseUrl)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  try {
    const dir = mkdtempSync(join(tmpdir(), 'stemma-bench-web-run-'))
    const steps = n(1_000_000)
    const runId = await seedPanels(server.baseUrl, dir, steps, 20)
    await runPageFigures(browser, server.baseUrl, runId, steps)
    await runsTableFigures(browser, server.baseUrl, runs)
    await liveFigures(browser, server.baseUrl, dir)
  } finally {
    await browser.close()
    await server.stop()
  }
}
