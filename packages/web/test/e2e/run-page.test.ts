import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initAgainst } from '../../../cli/test/helpers/sdk.js'
import { screenshot, startWebTest, type WebTest } from './browser.js'

let web: WebTest
const PROJECT = 'run-page-proj'

beforeAll(async () => {
  web = await startWebTest()
})
afterAll(async () => web?.close())

/** Console lines as the SDK's capture sends them: a batch of the run's ingest stream. */
async function postConsole(runId: string, lines: { stream: 'stdout' | 'stderr'; line: string }[]) {
  const res = await web.server.request(`/api/v1/runs/admin/${PROJECT}/${runId}/batches`, {
    method: 'POST',
    body: JSON.stringify({
      writerId: 'console-test',
      seq: 1,
      console: lines.map((l, i) => ({ t: Date.now() + i, ...l })),
    }),
  })
  expect(res.status, await res.text()).toBeLessThan(300)
}

describe('run page', () => {
  it('shows every Overview field, config, summary, lineage; edits the description and tags', async () => {
    const run = await initAgainst(web.server, {
      project: PROJECT,
      name: 'overview-run',
      notes: 'first **bold** note',
      tags: ['baseline'],
      group: 'g1',
      jobType: 'train',
      config: { lr: 0.01, layers: 4 },
    })
    for (let i = 0; i < 10; i++) run.log({ loss: 1 / (i + 1) })
    run.alert({ title: 'loss plateaued', text: 'no gain for 5 steps', level: 'WARN' })
    await run.finish()
    const { page } = await web.signedIn()
    await page.goto(run.url!)
    await expect.poll(() => page.getByLabel('Alerts').textContent()).toContain('WARN loss plateaued')
    const fields = page.locator('dl.fields')
    await fields.waitFor()
    const labels = await fields.locator('dt').allTextContents()
    for (const label of [
      'Author',
      'Command',
      'Description',
      'Duration',
      'Git repository',
      'Host name',
      'Name',
      'OS',
      'Executable',
      'Executable version',
      'Run path',
      'Runtime',
      'Start time',
      'State',
      'System hardware',
      'Tags',
      'SDK version',
      'Git commit',
      'Forked from',
    ]) {
      expect(labels).toContain(label)
    }
    const field = (label: string) => fields.locator(`dt:text-is("${label}") + dd`).textContent()
    expect(await field('Author')).toBe('admin')
    expect(await field('State')).toContain('finished')
    expect(await field('Run path')).toContain(`admin/${PROJECT}/${run.id}`)
    expect(await field('Host name')).not.toBe('—')
    expect(await field('Executable')).toBe('node')
    expect(await field('SDK version')).toContain('@stemma/sdk')
    expect(await field('System hardware')).toMatch(/\d+ CPUs?/)
    expect(await page.locator('strong', { hasText: 'bold' }).count()).toBe(1) // Markdown notes
    expect(await page.getByRole('table', { name: 'Config' }).textContent()).toContain('layers4')
    expect(await page.getByRole('table', { name: 'Summary' }).textContent()).toContain('loss')
    expect(await page.getByText('This run has logged no artifacts.').count()).toBe(1)
    await screenshot(page, 'run-overview')

    await page.getByRole('button', { name: 'Edit description' }).click()
    await page.getByLabel('Description').fill('a better note')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('a better note').waitFor()
    await page.getByLabel('New tag').fill('promoted')
    await page.getByLabel('New tag').press('Enter')
    await page.locator('.tag', { hasText: 'promoted' }).waitFor()
    await page.getByRole('button', { name: 'Remove tag baseline' }).click()
    await expect.poll(() => page.locator('.tag').allTextContents()).toEqual(['promoted×'])
    const saved = await web.server.json<{ notes: string; tags: string[] }>(
      `/api/v1/runs/admin/${PROJECT}/${run.id}`,
    )
    expect(saved).toMatchObject({ notes: 'a better note', tags: ['promoted'] })
  })

  it('opens an archived rewind read-only', async () => {
    const run = await initAgainst(web.server, { project: PROJECT, name: 'rewound' })
    for (let i = 0; i < 50; i++) run.log({ acc: i })
    await run.finish()
    const again = await initAgainst(web.server, { project: PROJECT, resumeFrom: `${run.id}?_step=20` })
    again.log({ acc: -1 })
    await again.finish()

    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${run.id}`)
    await page.getByRole('link', { name: 'Archive 0' }).click()
    await page.getByRole('status').filter({ hasText: 'read-only' }).waitFor()
    expect(new URL(page.url()).searchParams.get('archive')).toBe('0')
    expect(await page.getByRole('button', { name: 'Edit description' }).count()).toBe(0)
    expect(await page.getByLabel('New tag').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0)
    await screenshot(page, 'run-archived')
    // The archive's workspace charts its own 50 steps, not the live run's 22.
    await page.getByRole('link', { name: 'Workspace' }).click()
    const chart = page.locator('.chart[data-metric="acc"]')
    await expect.poll(() => chart.getAttribute('data-x-max')).toBe('49')
    await page.getByRole('link', { name: 'open the live run' }).click()
    await expect.poll(() => chart.getAttribute('data-x-max')).toBe('21')
  })

  it('stops a running run from the Stop button: the run ends killed', async () => {
    let stopRequested = false
    const run = await initAgainst(web.server, {
      project: PROJECT,
      name: 'to-stop',
      settings: { quiet: true, stopAction: 'callback', onStopRequested: () => (stopRequested = true) },
    })
    const logging = setInterval(() => run.log({ tick: 1 }), 100)
    try {
      const { page } = await web.signedIn()
      await page.goto(run.url!)
      await expect.poll(() => page.getByTestId('run-state').textContent()).toBe('running')
      await page.getByRole('button', { name: 'Stop' }).click()
      await page
        .getByRole('dialog', { name: 'Stop this run?' })
        .getByRole('button', { name: 'Stop run' })
        .click()
      const apiState = async () =>
        (await web.server.json<{ state: string }>(`/api/v1/runs/admin/${PROJECT}/${run.id}`)).state
      await expect.poll(apiState, { timeout: 15_000 }).toBe('killed')
      await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 5_000 }).toBe('killed')
      expect(stopRequested).toBe(true)
      await screenshot(page, 'run-stopped')
    } finally {
      clearInterval(logging)
      await run.finish().catch(() => {})
    }
  })

  it('shows console lines with colours, stderr marked, line numbers, search', async () => {
    const run = await initAgainst(web.server, { project: PROJECT, name: 'chatty' })
    run.log({ x: 1 })
    await run.finish()
    await postConsole(run.id, [
      { stream: 'stdout', line: 'epoch 1 \u001b[32mok\u001b[0m' },
      { stream: 'stderr', line: 'warning: something odd' },
      { stream: 'stdout', line: 'epoch 2 done' },
    ])
    const { page } = await web.signedIn()
    await page.goto(`${web.server.baseUrl}/admin/${PROJECT}/runs/${run.id}/logs`)
    const lines = page.locator('.log-line')
    await expect.poll(() => lines.count()).toBe(3)
    expect(await lines.nth(0).locator('.fg-2').textContent()).toBe('ok')
    expect(await lines.nth(1).locator('.stream-mark').textContent()).toBe('stderr')
    expect(await lines.nth(2).locator('.ln').textContent()).toBe('3')
    await screenshot(page, 'run-logs')
    await page.getByLabel('Search logs').fill('epoch')
    await expect.poll(() => lines.count()).toBe(2)
    for (const tab of ['System', 'Files', 'Artifacts']) {
      await page.getByRole('link', { name: tab }).click()
      await page.locator('.empty').waitFor()
      await screenshot(page, `run-${tab.toLowerCase()}`)
    }
  })
})
