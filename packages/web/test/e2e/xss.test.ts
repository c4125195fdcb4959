import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'xss-proj'

/** Markup and URL schemes that run code if a page ever puts text where HTML or a URL goes. */
const PAYLOADS = [
  '<img src=x onerror="alert(1)">',
  '<script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  'javascript:alert(4)',
  '<a href="javascript:alert(5)">click</a>',
  '<iframe src="https://example.invalid/"></iframe>',
  '{{constructor.constructor("alert(6)")()}}',
  '<img src="https://example.invalid/pixel.png">',
]

let runId: string

beforeAll(async () => {
  web = await startWebTest()
  const run = await initAgainst(web.server, {
    project: PROJECT,
    name: PAYLOADS[0],
    notes: PAYLOADS.join('\n\n') + '\n\n[link](javascript:alert(7)) and [ok](https://example.invalid/)',
    tags: PAYLOADS.slice(1, 4),
    group: PAYLOADS[2],
    config: Object.fromEntries(PAYLOADS.map((p, i) => [p, PAYLOADS[(i + 1) % PAYLOADS.length]])),
  })
  for (let i = 0; i < 5; i++) run.log({ [PAYLOADS[1]!]: i, [`${PAYLOADS[2]}/x`]: i })
  run.summary.set(PAYLOADS[4]!, PAYLOADS[5])
  await run.finish()
  runId = run.id
  const res = await web.server.request(`/api/v1/runs/admin/${PROJECT}/${runId}/batches`, {
    method: 'POST',
    body: JSON.stringify({
      writerId: 'xss',
      seq: 1,
      console: PAYLOADS.map((line, i) => ({ t: Date.now() + i, stream: 'stdout', line })),
    }),
  })
  expect(res.status).toBeLessThan(300)
})
afterAll(async () => web?.close())

describe('user-supplied text', () => {
  it('is shown as text on every page and never runs, loads or links anything', async () => {
    const { page } = await web.signedIn()
    const base = `${web.server.baseUrl}/admin/${PROJECT}`
    await page.goto(base)
    await page.locator('[role=row][data-run-id]').first().waitFor()
    expect(await page.locator('[role=row][data-run-id] .cell.name a').textContent()).toBe(PAYLOADS[0])
    await page.locator('.chart canvas').first().waitFor()
    await screenshot(page, 'xss-workspace')

    await page.goto(`${base}/runs/${runId}`)
    await page.locator('dl.fields').waitFor()
    const overview = await page.locator('.overview').textContent()
    for (const p of PAYLOADS) expect(overview).toContain(p)
    await screenshot(page, 'xss-overview')
    await page.goto(`${base}/runs/${runId}/logs`)
    await expect.poll(() => page.locator('.log-line').count()).toBe(PAYLOADS.length)
    await page.goto(`${base}/runs/${runId}/workspace`)
    await page.locator('.chart canvas').first().waitFor()

    // Nothing injected became an element, and only the one http(s) Markdown link is a link.
    expect(await page.locator('img[src="x"], script:not([src]), svg[onload], iframe').count()).toBe(0)
    await page.goto(`${base}/runs/${runId}`)
    await page.locator('dl.fields').waitFor()
    const hrefs = await page.locator('.markdown a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    expect(hrefs).toEqual(['https://example.invalid/'])
    expect(web.incidents).toEqual([])
  })

  it('is answered with headers that forbid inline scripts, framing and sniffing', async () => {
    const res = await web.server.request(`/admin/${PROJECT}`, { key: null })
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})
