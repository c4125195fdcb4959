import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gzipSync } from 'node:zlib'
import type { HistoryResponse, InitResponse, RunDto } from '@stemma/core'
import { BODY_LIMIT_BYTES } from '@stemma/server'
import { batch, json, startApp, type TestApp } from './helpers.js'

let t: TestApp
let path: string
let before: { run: RunDto; history: HistoryResponse }

beforeAll(async () => {
  t = await startApp()
  const init = json<InitResponse>(
    await t.call('POST', '/api/v1/runs', { project: 'limits', config: { a: 1 } }),
  )
  path = `/api/v1/runs/admin/limits/${init.run.id}`
  await t.call('POST', `${path}/batches`, batch(1, 0, [{ x: 1 }, { x: 2 }]))
  before = await snapshot()
})
afterAll(() => t.close())

async function snapshot() {
  return {
    run: json<RunDto>(await t.call('GET', path)),
    history: json<HistoryResponse>(await t.call('GET', `${path}/history`)),
  }
}

function nested(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

const manyKeys = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]))

/** Each bad batch would, if applied, change the run: seq 2 is the next expected one. */
const BAD: [string, string | Buffer, number, string, Record<string, string>?][] = [
  ['malformed JSON', '{"writerId":"w","seq":2,', 400, 'BAD_REQUEST'],
  ['a bare value', '42', 422, 'VALIDATION_FAILED'],
  ['too deep', JSON.stringify({ writerId: 'w', seq: 2, config: nested(40) }), 422, 'VALIDATION_FAILED'],
  ['too many keys', JSON.stringify({ writerId: 'w', seq: 2, config: manyKeys }), 422, 'VALIDATION_FAILED'],
  [
    'a string over 1 MB',
    JSON.stringify({ writerId: 'w', seq: 2, config: { s: 'x'.repeat(1_000_001) } }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'over 16 MiB',
    JSON.stringify({ writerId: 'w', seq: 2, config: { s: 'x'.repeat(BODY_LIMIT_BYTES) } }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  ['seq as a string', JSON.stringify({ ...batch(2, 2, [{ x: 3 }]), seq: '2' }), 422, 'VALIDATION_FAILED'],
  ['seq 0', JSON.stringify(batch(0, 2, [{ x: 3 }])), 422, 'VALIDATION_FAILED'],
  ['empty writerId', JSON.stringify(batch(2, 2, [{ x: 3 }], {}, '')), 422, 'VALIDATION_FAILED'],
  [
    'a writerId over 128 chars',
    JSON.stringify(batch(2, 2, [{ x: 3 }], {}, 'w'.repeat(129))),
    422,
    'VALIDATION_FAILED',
  ],
  ['an unknown field', JSON.stringify({ ...batch(2, 2, [{ x: 3 }]), surprise: 1 }), 422, 'VALIDATION_FAILED'],
  [
    'a string in a number column',
    JSON.stringify(batch(2, 2, [{ x: 3 }])).replace('"x":[3]', '"x":["3"]'),
    422,
    'VALIDATION_FAILED',
  ],
  [
    'a fractional step',
    JSON.stringify(batch(2, 2, [{ x: 3 }])).replace('"steps":[2]', '"steps":[2.5]'),
    422,
    'VALIDATION_FAILED',
  ],
  [
    'a short column',
    JSON.stringify(batch(2, 2, [{ x: 3 }, { x: 4 }])).replace('"x":[3,4]', '"x":[3]'),
    422,
    'VALIDATION_FAILED',
  ],
  [
    'steps out of order',
    JSON.stringify(batch(2, 2, [{ x: 3 }, { x: 4 }])).replace('"steps":[2,3]', '"steps":[3,2]'),
    422,
    'VALIDATION_FAILED',
  ],
  [
    'a bad exit state',
    JSON.stringify({ writerId: 'w', seq: 2, exit: { state: 'crashed', exitCode: 1 } }),
    422,
    'VALIDATION_FAILED',
  ],
  [
    'a prototype-poisoning key',
    '{"writerId":"w","seq":2,"config":{"__proto__":{"x":1}}}',
    400,
    'BAD_REQUEST',
  ],
  [
    'an escaped prototype-poisoning key',
    '{"writerId":"w","seq":2,"config":{"\\u005f_proto__":{"x":1}}}',
    400,
    'BAD_REQUEST',
  ],
  [
    'a constructor.prototype key',
    '{"writerId":"w","seq":2,"config":{"constructor":{"prototype":{"x":1}}}}',
    400,
    'BAD_REQUEST',
  ],
  ['not JSON', 'writerId=w', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': 'text/plain' }],
  ['broken gzip', Buffer.from('not gzip'), 400, 'BAD_REQUEST', { 'content-encoding': 'gzip' }],
  ['an unknown encoding', '{}', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-encoding': 'br' }],
  [
    'a gzip bomb',
    gzipSync(
      Buffer.from(
        JSON.stringify({ writerId: 'w', seq: 2, config: { s: 'x'.repeat(BODY_LIMIT_BYTES + 10) } }),
      ),
    ),
    413,
    'PAYLOAD_TOO_LARGE',
    { 'content-encoding': 'gzip' },
  ],
]

describe('bad bodies are refused with 4xx and change nothing', () => {
  for (const [name, payload, status, code, headers] of BAD) {
    it(`refuses ${name}`, async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `${path}/batches`,
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...headers },
        payload,
      })
      expect(res.statusCode, res.body).toBe(status)
      const body = json<{ error: { code: string; message: string } }>(res)
      expect(body.error.code).toBe(code)
      expect(body.error.message.length).toBeGreaterThan(5)
      expect(await snapshot()).toEqual(before)
    })
  }

  it('refuses a bad init body and creates nothing', async () => {
    for (const body of [
      { project: 'limits', id: 'x1', heartbeatTimeoutS: 5 },
      { project: 'limits', id: 'x1', resume: 'sometimes' },
      { project: '../etc', id: 'x1' },
      { project: 'limits', id: 'x;1' },
      { project: 'limits', id: 'x1', forkFrom: 'a?_step=1', resumeFrom: 'a?_step=1' },
      { project: 'limits', id: 'x1', forkFrom: 'a?_step=1', resume: 'allow' },
      { project: 'limits', id: 'x1', forkFrom: 'nonsense' },
    ]) {
      const res = await t.call('POST', '/api/v1/runs', body)
      expect(res.statusCode, JSON.stringify(body)).toBe(422)
    }
    expect((await t.call('GET', '/api/v1/runs/admin/limits/x1')).statusCode).toBe(404)
  })
})

describe('accepted encodings', () => {
  it('accepts application/json with a charset parameter', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/viewer',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json; charset=utf-8' },
    })
    expect(res.statusCode).toBe(200)
    const heartbeat = await t.app.inject({
      method: 'POST',
      url: `${path}/heartbeat`,
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json; charset=utf-8' },
      payload: '{}',
    })
    expect(heartbeat.statusCode, heartbeat.body).toBe(200)
  })

  it('accepts a gzip-encoded batch', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${path}/batches`,
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(Buffer.from(JSON.stringify(batch(2, 2, [{ x: 3 }])))),
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(json<HistoryResponse>(await t.call('GET', `${path}/history`)).steps).toEqual([0, 1, 2])
  })
})
