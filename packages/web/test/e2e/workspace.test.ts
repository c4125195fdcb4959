import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'ws-proj'
/** Run name → id, as the SDK created them. */
const ids = new Map<string, string>()
/** The project address the SDK prints at init. */
let projectUrl = ''

/** Five finished runs with distinct configs, tags, groups and losses, created in this order. */
const SEEDS = [
  { name: 'alpha-lr1', lr: 0.1, group: 'sweep-a', tags: ['baseline'], loss: 0.9 },
  { name: 'alpha-lr2', lr: 0.01, group: 'sweep-a', tags: [], loss: 0.5 },
  { name: 'beta-lr1', lr: 0.1, group: 'sweep-b', tags: ['best'], loss: 0.2 },
  { name: 'beta-lr2', lr: 0.001, group: 'sweep-b', tags: [], loss: 0.7 },
  { name: 'gamma', lr: 0.05, group: 'sweep-c', tags: ['baseline'], loss: 0.4 },
]

beforeAll(async () => {
  web = await startWebTest()
  for (const s of SEEDS) {
    const run = await initAgainst(web.server, {
      project: PROJECT,
      name: s.name,
      group: s.group,
      tags: s.tags,
      config: { lr: s.lr, optimizer: 'adam' },
    })
    for (let i = 0; i < 20; i++) run.log({ 'train/loss': s.loss + 1 / (i + 1), acc: i / 20 })
    run.summary.set('best_loss', s.loss)
    ids.set(s.name, run.id)
    projectUrl = run.projectUrl!
    await run.finish()
  }
})
afterAll(async () => web?.close())

/** Run names in the table's row order. */
async function rowNames(page: Page): Promise<string[]> {
  const rows = page.locator('[role=table][aria-label=Runs] [role=row][data-run-id]')
  await rows.first().waitFor()
  return rows.evaluateAll((els) =>
    els
      .map((el) => ({
        y: (el as HTMLElement).getBoundingClientRect().top,
        name: el.querySelector('.cell.name a')?.textContent ?? '',
      }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.name),
  )
}

async function expectNames(page: Page, names: string[]) {
  await expect.poll(() => rowNames(page), { timeout: 10_000 }).toEqual(names)
}

describe('project workspace', () => {
  it('lists the runs, newest first, with their columns, and charts the ten most recent', async () => {
    const { page } = await web.signedIn()
    await page.goto(projectUrl)
    expect(new URL(projectUrl).pathname).toBe(`/admin/${PROJECT}`)
    await expectNames(page, ['gamma', 'beta-lr2', 'beta-lr1', 'alpha-lr2', 'alpha-lr1'])
    const headers = await page.locator('[role=columnheader]').allTextContents()
    for (const h of ['Name', 'State', 'Created', 'Runtime', 'Tags', 'Notes', 'Group', 'Job type']) {
      expect(headers.join('|')).toContain(h)
    }
    const gamma = page.locator('[role=row][data-run-id]').filter({ hasText: 'gamma' })
    await expect.poll(() => gamma.textContent()).toContain('finished')
    expect(await gamma.textContent()).toContain('sweep-c')
    expect(await gamma.textContent()).toContain('baseline')
    // All five are charted (fewer than ten), one panel per metric, sectioned by prefix.
    expect(await page.getByText('5 in charts').count()).toBe(1)
    await page.locator('.chart[data-metric="acc"] canvas').first().waitFor()
    await page.locator('.chart[data-metric="train/loss"] canvas').first().waitFor()
    expect(await page.locator('.section > summary').allTextContents()).toEqual(['Charts 1', 'train 1'])
    await screenshot(page, 'workspace')
  })

  it('moves the cursor of every panel together', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    const acc = page.locator('.chart[data-metric="acc"]')
    const loss = page.locator('.chart[data-metric="train/loss"]')
    await loss.locator('canvas').waitFor()
    await acc.locator('canvas').waitFor()
    const box = (await acc.locator('.u-over').boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    // uPlot hides an idle cursor with the u-off class; the synced one is shown at the same step.
    await expect.poll(() => loss.locator('.u-cursor-x').getAttribute('class')).not.toContain('u-off')
    await expect.poll(() => loss.locator('.readout').textContent()).toMatch(/^\d+ · /)
  })

  it('adds a config column, and searches, filters, sorts and groups through the server', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await expectNames(page, ['gamma', 'beta-lr2', 'beta-lr1', 'alpha-lr2', 'alpha-lr1'])

    await page.getByRole('button', { name: 'Columns' }).click()
    await page.getByRole('dialog', { name: 'Columns' }).getByLabel('config.lr').check()
    await page.getByRole('dialog', { name: 'Columns' }).getByLabel('summary.best_loss').check()
    // Pinned, a column moves beside the name; its header's handle resizes it.
    await page.getByRole('dialog', { name: 'Columns' }).getByRole('button', { name: 'Pin' }).first().click()
    await page.getByRole('button', { name: 'Columns' }).click()
    const headers = await page.locator('[role=columnheader]').allTextContents()
    expect(headers.slice(1, 3)).toEqual(['Name', 'config.lr'])
    const header = page.locator('[role=columnheader]', { hasText: 'config.lr' })
    const before = (await header.boundingBox())!
    const handle = (await header.locator('.resize').boundingBox())!
    await page.mouse.move(handle.x + 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + 82, handle.y + handle.height / 2, { steps: 4 })
    await page.mouse.up()
    expect((await header.boundingBox())!.width).toBeGreaterThan(before.width + 60)
    expect(new URL(page.url()).searchParams.get('sort')).toBeNull() // resizing is not sorting
    await expect
      .poll(() => page.locator('[role=row]').filter({ hasText: 'beta-lr2' }).textContent())
      .toContain('0.001')

    await page.getByLabel('Search runs').fill('beta')
    await expectNames(page, ['beta-lr2', 'beta-lr1'])
    await page.getByLabel('Search runs').fill('')

    await page.getByRole('button', { name: '+ Filter' }).click()
    await page.getByLabel('Filter field').fill('config.lr')
    await page.getByLabel('Filter operator').selectOption('$gte')
    await page.getByLabel('Filter value').fill('0.05')
    await expectNames(page, ['gamma', 'beta-lr1', 'alpha-lr1'])

    await page.locator('[role=columnheader]', { hasText: 'summary.best_loss' }).click()
    await expectNames(page, ['alpha-lr1', 'gamma', 'beta-lr1']) // descending first
    await page.locator('[role=columnheader]', { hasText: 'summary.best_loss' }).click()
    await expectNames(page, ['beta-lr1', 'gamma', 'alpha-lr1'])

    await page.getByRole('button', { name: 'Remove filter' }).click()
    await page.getByLabel('Group by').selectOption('group')
    await expectNames(page, ['alpha-lr1', 'alpha-lr2', 'beta-lr1', 'beta-lr2', 'gamma'].sort())
    expect(await page.locator('.group-label').allTextContents()).toEqual(
      expect.arrayContaining(['sweep-a', 'sweep-b', 'sweep-c']),
    )
    // Charts draw one mean line with a min–max band per group.
    await expect.poll(() => page.getByLabel('Legend').textContent()).toBe('sweep-a (2)sweep-b (2)sweep-c (1)')
    const loss = page.locator('.chart[data-metric="train/loss"]')
    await expect.poll(() => loss.getAttribute('data-points')).toBe('60')
    await screenshot(page, 'workspace-filtered')
  })

  it('restores the whole view from a copied address', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await expectNames(page, ['gamma', 'beta-lr2', 'beta-lr1', 'alpha-lr2', 'alpha-lr1'])
    await page.getByLabel('Search runs').fill('alpha')
    await page.getByLabel('Search panels').fill('loss')
    await page.getByLabel('Smoothing').selectOption('ema')
    await page.getByLabel('X axis').selectOption('acc')
    await page.getByRole('button', { name: 'Hide alpha-lr2 from charts' }).click()
    await expectNames(page, ['alpha-lr2', 'alpha-lr1'])
    const shared = page.url()

    const other = await web.signedIn()
    await other.page.goto(shared)
    await expectNames(other.page, ['alpha-lr2', 'alpha-lr1'])
    expect(await other.page.getByLabel('Search runs').inputValue()).toBe('alpha')
    expect(await other.page.getByLabel('Search panels').inputValue()).toBe('loss')
    expect(await other.page.getByLabel('Smoothing').inputValue()).toBe('ema')
    expect(await other.page.getByLabel('X axis').inputValue()).toBe('acc')
    expect(
      await other.page
        .locator('.chart[data-metric]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-metric'))),
    ).toEqual(['train/loss'])
    expect(await other.page.getByRole('button', { name: 'Show alpha-lr2 in charts' }).count()).toBe(1)
    expect(await other.page.getByText('4 in charts').count()).toBe(1)
  })

  it('deletes the checked runs after the confirmation modal, and not before', async () => {
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}`)
    await expectNames(page, ['gamma', 'beta-lr2', 'beta-lr1', 'alpha-lr2', 'alpha-lr1'])
    await page.getByLabel('Select gamma').check()
    await page.getByRole('button', { name: 'Delete' }).click()
    const modal = page.getByRole('dialog', { name: 'Delete 1 run?' })
    await modal.waitFor()
    await screenshot(page, 'delete-modal')
    await modal.getByRole('button', { name: 'Cancel' }).click()
    expect(await rowNames(page)).toContain('gamma')
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog', { name: 'Delete 1 run?' }).getByRole('button', { name: 'Delete' }).click()
    await expectNames(page, ['beta-lr2', 'beta-lr1', 'alpha-lr2', 'alpha-lr1'])
    const res = await web.server.request(`/api/v1/runs/admin/${PROJECT}/${ids.get('gamma')}`)
    expect(res.status).toBe(404)
  })
})

describe('a project with many runs', () => {
  it('keeps only the visible rows in the page and jumps straight to a row far down', async () => {
    const RUNS = 1500
    for (let i = 0; i < RUNS; i++) {
      const res = await web.server.request('/api/v1/runs', {
        method: 'POST',
        body: JSON.stringify({ project: 'many', id: `m${String(i).padStart(5, '0')}`, name: `many-${i}` }),
      })
      expect(res.status).toBe(201)
    }
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/many`)
    await page.getByText(`${RUNS} runs`).waitFor()
    await page.locator('[role=row][data-run-id]').first().waitFor()
    expect(await page.locator('[role=row][aria-rowindex]').count()).toBeLessThan(60)
    // Newest first: row 1,001 is run 499; its page is fetched by offset, not by walking 10 pages.
    await page.locator('.runs-table .scroller').evaluate((el) => (el.scrollTop = 1000 * 32))
    const row = page.locator('[role=row][aria-rowindex="1001"][data-run-id]')
    await row.waitFor()
    expect(await row.locator('.cell.name a').textContent()).toBe('many-499')
    expect(await page.locator('[role=row][aria-rowindex]').count()).toBeLessThan(60)
    await screenshot(page, 'workspace-many-runs')
  })
})
