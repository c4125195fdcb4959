import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { API_KEY, startServer, type TestServer } from '../../../cli/test/helpers/server.js'

/** Debian's Chromium, which `scripts/test-deps.sh` installs; STEMMA_TEST_CHROMIUM overrides it. */
const CHROMIUM = process.env.STEMMA_TEST_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-artifacts/screenshots/', import.meta.url))

export interface WebTest {
  server: TestServer
  browser: Browser
  /** A browser context signed in with the admin key (through the sign-in form's API). */
  signedIn(): Promise<{ context: BrowserContext; page: Page }>
  /** Everything unexpected the pages did: dialogs, page errors, requests to other origins. */
  incidents: string[]
  close(): Promise<void>
}

export async function startWebTest(): Promise<WebTest> {
  const server = await startServer()
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const incidents: string[] = []
  const contexts: BrowserContext[] = []
  const origin = new URL(server.baseUrl).origin

  const watch = (page: Page) => {
    page.on('dialog', (d) => {
      incidents.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })
    page.on('pageerror', (e) => incidents.push(`page error: ${e.message}`))
    page.on('request', (r) => {
      const url = r.url()
      if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'))
        incidents.push(`request: ${url}`)
    })
    page.on('console', (m) => {
      // A violated Content-Security-Policy is reported on the console: an attempt to run injected code.
      if (/Content.Security.Policy/i.test(m.text())) incidents.push(`csp: ${m.text()}`)
    })
  }

  return {
    server,
    browser,
    incidents,
    async signedIn() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } })
      contexts.push(context)
      context.on('page', watch)
      const page = await context.newPage()
      watch(page)
      await page.goto(`${server.baseUrl}/sign-in`)
      await page.getByLabel('API key').fill(API_KEY)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL((url) => url.pathname !== '/sign-in')
      return { context, page }
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {})
      await browser.close()
      await server.stop()
    },
  }
}

/** Saves a full-page screenshot as a test artifact (`test-artifacts/screenshots/NAME.png`). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false })
}
