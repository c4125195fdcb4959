import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isPrivateAddress } from '../src/alerts/private-address.js'
import { batch, json, startApp, type TestApp } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Hit {
  path: string
  body: Record<string, unknown>
}

/** A real webhook receiver on loopback; `answer` decides each response (status, headers). */
async function receiver(
  answer: (hit: Hit, n: number, res: ServerResponse) => void = (_h, _n, res) => res.end('ok'),
) {
  const hits: Hit[] = []
  const server = createHttpServer((req: IncomingMessage, res) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      const hit = { path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> }
      hits.push(hit)
      answer(hit, hits.length, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as AddressInfo
  return { hits, url: `http://127.0.0.1:${port}/hooks/T000/secret`, port }
}

async function appWith(urls: string[], allow: string[]): Promise<TestApp> {
  const t = await startApp({ alertWebhooks: { urls, allow, retryInitialMs: 50, timeoutMs: 2_000 } })
  cleanups.push(() => t.close())
  expect((await t.call('POST', '/api/v1/runs', { project: 'p', id: 'r1', name: 'my run' })).statusCode).toBe(
    201,
  )
  return t
}

const alertBatch = (seq: number) =>
  batch(seq, seq - 1, [{ loss: NaN }], {
    alerts: [{ t: 1, title: 'loss is NaN', text: 'at step 3', level: 'ERROR' }],
  })

const settle = () => new Promise((r) => setTimeout(r, 400))

describe('alert webhooks', () => {
  it('posts a Slack-compatible message once per alert, without holding up ingest', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((r) => (release = r))
    const hook = await receiver((_h, _n, res) => void held.then(() => res.end('ok')))
    const t = await appWith([hook.url], ['127.0.0.1'])
    // The receiver has not answered yet, and ingest has.
    const res = await t.call('POST', '/api/v1/runs/admin/p/r1/batches', alertBatch(1))
    expect(res.statusCode).toBe(200)
    await expect.poll(() => hook.hits.length).toBe(1)
    release()
    const [hit] = hook.hits
    expect(hit!.path).toBe('/hooks/T000/secret')
    expect(hit!.body.text).toContain('[ERROR] loss is NaN (run my run, admin/p/r1)')
    expect(hit!.body.text).toContain('at step 3')
    expect(hit!.body.stemma).toMatchObject({ entity: 'admin', project: 'p', runId: 'r1', level: 'ERROR' })
    // A re-sent batch is a duplicate: no second message.
    expect(
      json<{ duplicate: boolean }>(await t.call('POST', '/api/v1/runs/admin/p/r1/batches', alertBatch(1)))
        .duplicate,
    ).toBe(true)
    await settle()
    expect(hook.hits).toHaveLength(1)
    // And the alert is on the run.
    const alerts = json<{ alerts: unknown[] }>(await t.call('GET', '/api/v1/runs/admin/p/r1/alerts')).alerts
    expect(alerts).toEqual([{ t: 1, title: 'loss is NaN', text: 'at step 3', level: 'ERROR' }])
  })

  it('refuses loopback and private targets unless the allow-list names them', async () => {
    const hook = await receiver()
    const t = await appWith([hook.url], [])
    expect((await t.call('POST', '/api/v1/runs/admin/p/r1/batches', alertBatch(1))).statusCode).toBe(200)
    await settle()
    expect(hook.hits).toHaveLength(0)
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true)
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false)
  })

  it('retries a failing receiver with backoff, and follows no redirect', async () => {
    const flaky = await receiver((_h, n, res) => {
      res.statusCode = n === 1 ? 503 : 200
      res.end()
    })
    const t = await appWith([flaky.url], ['127.0.0.1'])
    await t.call('POST', '/api/v1/runs/admin/p/r1/batches', alertBatch(1))
    await expect.poll(() => flaky.hits.length).toBe(2)
    await settle()
    expect(flaky.hits).toHaveLength(2)

    const redirecting = await receiver((_hit, _n, res) => {
      res.writeHead(302, { location: '/elsewhere' }).end()
    })
    const t2 = await appWith([redirecting.url], [`127.0.0.1:${redirecting.port}`])
    await t2.call('POST', '/api/v1/runs/admin/p/r1/batches', alertBatch(1))
    await expect.poll(() => redirecting.hits.length).toBe(1)
    await settle()
    expect(redirecting.hits.map((h) => h.path)).toEqual(['/hooks/T000/secret'])
  })
})
