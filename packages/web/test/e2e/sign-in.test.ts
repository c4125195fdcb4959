import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_KEY } from '../../../cli/test/helpers/server.js'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
beforeAll(async () => {
  web = await startWebTest()
})
afterAll(async () => web?.close())

describe('sign-in', () => {
  it('shows the sign-in page for a page URL without a session, and comes back to it afterwards', async () => {
    const run = await initAgainst(web.server, { project: 'signin-proj', name: 'first-run' })
    run.log({ loss: 1 })
    await run.finish()
    const context = await web.browser.newContext({ viewport: { width: 1280, height: 720 } })
    const page = await context.newPage()
    // The URL the SDK prints for the run.
    await page.goto(run.url!)
    await page.getByLabel('API key').waitFor()
    await screenshot(page, 'sign-in')
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await page.getByLabel('API key').fill('local-' + 'x'.repeat(40))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid')
    await page.getByLabel('API key').fill(API_KEY)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'first-run' }).waitFor()
    expect(new URL(page.url()).pathname).toBe(new URL(run.url!).pathname)

    // The session cookie is HttpOnly and SameSite=Strict; API routes still answer 401 without it.
    const cookies = await context.cookies()
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'stemma_session', httpOnly: true, sameSite: 'Strict' }),
    ])
    expect((await web.server.request('/api/v1/viewer', { key: null })).status).toBe(401)

    // Sign-out ends the session: the next page load asks for the key again.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('API key').waitFor()
    await page.goto(run.url!)
    await page.getByLabel('API key').waitFor()
    await context.close()
  })

  it('signs in with the one-click link the server prints and removes the key from the address bar', async () => {
    const link =
      /sign-in link: (\S+)/.exec(web.server.output())?.[1] ??
      /(http\S+\/sign-in#key=\S+)/.exec(web.server.output())?.[1]
    expect(link, web.server.output()).toBeDefined()
    expect(link).toContain('#key=')
    const context = await web.browser.newContext()
    const page = await context.newPage()
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))
    await page.goto(link!)
    await page.getByRole('heading', { name: /Projects of/ }).waitFor()
    expect(page.url()).not.toContain('key=')
    expect(requested.some((u) => u.includes(API_KEY))).toBe(false)
    await screenshot(page, 'projects')
    await context.close()
  })
})
