import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { backoffMs, RetryingTransport } from '../src/retrying-transport.js'
import { HttpClient, parseRetryAfter } from '../src/transport.js'
import { API_KEY, FakeServer } from './helpers/fake-server.js'

const server = new FakeServer()
let runPath = ''
beforeAll(async () => {
  await server.start()
  const created = await new HttpClient({ baseUrl: server.url, apiKey: API_KEY }).request<{
    run: { id: string }
  }>({
    method: 'POST',
    path: '/api/v1/runs',
    body: JSON.stringify({ project: 'p', id: 'retry1' }),
  })
  expect(created.kind).toBe('success')
  runPath = '/api/v1/runs/tester/p/retry1/batches'
})
afterAll(() => server.stop())
beforeEach(() => {
  server.script = []
})

const transport = (initialMs = 10, maxMs = 50, deadlineMs?: number) =>
  new RetryingTransport(new HttpClient({ baseUrl: server.url, apiKey: API_KEY }), {
    initialMs,
    maxMs,
    deadlineMs,
    random: () => 0.5,
  })

let seq = 0
const batch = () => ({
  method: 'POST' as const,
  path: runPath,
  body: JSON.stringify({ writerId: 'w', seq: ++seq }),
})

describe('RetryingTransport', () => {
  it('retries 503 until the server answers 200', async () => {
    server.script = [{ status: 503 }, { status: 502 }, { status: 500 }]
    const retries: number[] = []
    const before = server.requests.length
    const outcome = await transport().send(batch(), { onRetry: (o) => retries.push(o.status) })
    expect(outcome).toMatchObject({ kind: 'success', status: 200, body: { committedSeq: seq } })
    expect(retries).toEqual([503, 502, 500])
    expect(server.requests.length - before).toBe(4)
  })

  it('honours Retry-After over its own backoff', async () => {
    server.script = [{ status: 429, headers: { 'retry-after': '1' } }]
    const waits: number[] = []
    const started = Date.now()
    const outcome = await transport(10, 5000).send(batch(), { onRetry: (_o, _a, w) => waits.push(w) })
    expect(outcome.kind).toBe('success')
    expect(waits).toEqual([1000])
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it.each([400, 401, 403, 404, 409, 410, 413, 422, 501])('never retries %i', async (status) => {
    server.script = [{ status, body: { error: { code: 'VALIDATION_FAILED', message: `status ${status}` } } }]
    const before = server.requests.length
    const outcome = await transport().send(batch())
    expect(outcome).toMatchObject({ kind: 'failure', status })
    expect(server.requests.length - before).toBe(1)
    seq-- // the scripted answer consumed nothing
  })

  it('gives up at the deadline with the last retryable outcome', async () => {
    server.script = Array.from({ length: 50 }, () => ({ status: 503 }))
    const outcome = await transport(20, 20, 100).send(batch())
    expect(outcome.kind).toBe('retryable')
    server.script = []
    seq--
  })

  it('treats an unreachable server as retryable', async () => {
    const t = new RetryingTransport(new HttpClient({ baseUrl: 'http://127.0.0.1:9', apiKey: undefined }), {
      initialMs: 10,
      maxMs: 10,
      deadlineMs: 50,
    })
    const outcome = await t.send({ method: 'GET', path: '/api/v1/viewer' })
    expect(outcome).toMatchObject({ kind: 'retryable', status: 0, error: { code: 'UNAVAILABLE' } })
  })

  it('backs off exponentially with jitter, capped', () => {
    const policy = { initialMs: 1000, maxMs: 60_000 }
    expect(backoffMs(0, { ...policy, random: () => 0 })).toBe(500)
    expect(backoffMs(0, { ...policy, random: () => 0.999 })).toBeLessThanOrEqual(1000)
    expect(backoffMs(3, { ...policy, random: () => 0 })).toBe(4000)
    expect(backoffMs(20, { ...policy, random: () => 0.999 })).toBeLessThanOrEqual(60_000)
  })

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
})
