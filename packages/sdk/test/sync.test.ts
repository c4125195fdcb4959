import { readFileSync, truncateSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as stemma from '../src/index.js'
import { API_KEY, FakeServer } from './helpers/fake-server.js'
import { isolateEnv, tempDir } from './helpers/env.js'

const server = new FakeServer()
beforeAll(() => server.start())
afterAll(() => server.stop())
beforeEach(() => isolateEnv())
afterEach(() => stemma.finish())

describe('offline runs and syncRunDir', () => {
  it('uploads an offline run exactly once, however often sync runs', async () => {
    const lines: string[] = []
    const run = await stemma.init({
      project: 'off',
      mode: 'offline',
      dir: tempDir(),
      config: { lr: 0.1 },
      tags: ['a'],
      settings: { handleExit: false, flushIntervalMs: 5, print: (l) => lines.push(l) },
    })
    expect(run.url).toBeNull()
    expect(lines[1]).toBe(`stemma: Upload it later with: stemma sync ${run.dir}`)
    for (let i = 0; i < 300; i++) {
      run.log({ loss: 1 / (i + 1), v: i % 7 === 0 ? NaN : i })
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 10))
    }
    await run.finish()
    expect(lines.at(-2)).toBe(`stemma: You can sync this run to the server with: stemma sync ${run.dir}`)
    expect(server.run(run.id)).toBeUndefined()

    const info = JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))
    expect(info).toMatchObject({ offline: true, runId: run.id, project: 'off', exit: { state: 'finished' } })

    const progress: number[] = []
    const first = await stemma.syncRunDir(run.dir, {
      baseUrl: server.url,
      apiKey: API_KEY,
      onProgress: (p) => progress.push(p.records),
    })
    expect(first.records).toBeGreaterThan(1)
    expect(first).toMatchObject({
      sent: first.records,
      duplicates: 0,
      ended: true,
      runPath: `tester/off/${run.id}`,
    })
    expect(progress.at(-1)).toBe(first.records)
    const fake = server.run(run.id)!
    expect(fake.init).toMatchObject({ resume: 'allow', config: { lr: 0.1 }, tags: ['a'] })
    expect(fake.dto.state).toBe('finished')
    expect(fake.rows.size).toBe(300)
    expect(fake.rows.get(7)!.v).toBe('NaN')
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))).toMatchObject({
      offline: false,
      entity: 'tester',
    })

    const inits = server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/runs').length
    const second = await stemma.syncRunDir(run.dir, { baseUrl: server.url, apiKey: API_KEY })
    expect(second).toMatchObject({ sent: 0, records: first.records })
    // The first answer names the committed sequence, so the rest is skipped without a request.
    expect(second.duplicates).toBe(first.records)
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/runs').length).toBe(inits)
    expect(server.run(run.id)!.batches).toHaveLength(first.records)
  })

  it('stops cleanly at a torn tail and delivers the rest once the file is whole', async () => {
    const run = await stemma.init({
      project: 'off',
      mode: 'offline',
      dir: tempDir(),
      settings: { quiet: true, handleExit: false, flushIntervalMs: 5 },
    })
    for (let i = 0; i < 100; i++) {
      run.log({ x: i })
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 10))
    }
    await run.finish()
    const wal = join(run.dir, 'run.wal')
    const whole = readFileSync(wal)
    const entries = stemma.readWal(wal).entries
    const last = entries.at(-1)!
    truncateSync(wal, last.offset + 5)
    const partial = await stemma.syncRunDir(run.dir, { baseUrl: server.url, apiKey: API_KEY })
    expect(partial).toMatchObject({ records: entries.length - 1, trailingBytes: 5, ended: false })
    const { writeFileSync } = await import('node:fs')
    writeFileSync(wal, whole)
    expect(statSync(wal).size).toBe(whole.length)
    const rest = await stemma.syncRunDir(run.dir, { baseUrl: server.url, apiKey: API_KEY })
    expect(rest).toMatchObject({ sent: 1, ended: true })
    expect(server.run(run.id)!.rows.size).toBe(100)
    expect(server.run(run.id)!.dto.state).toBe('finished')
  })

  it('re-creates an online run the server lost, without forking it again', async () => {
    const parent = await stemma.init({
      baseUrl: server.url,
      apiKey: API_KEY,
      project: 'lost',
      dir: tempDir(),
      settings: { quiet: true, handleExit: false },
    })
    parent.log({ x: 1 })
    await parent.finish()
    const run = await stemma.init({
      baseUrl: server.url,
      apiKey: API_KEY,
      project: 'lost',
      dir: tempDir(),
      forkFrom: `${parent.id}?_step=0`,
      settings: { quiet: true, handleExit: false },
    })
    run.log({ x: 2 })
    await run.finish()
    server.runs.delete(`tester/lost/${run.id}`)
    const result = await stemma.syncRunDir(run.dir, { apiKey: API_KEY })
    expect(result).toMatchObject({ ended: true, duplicates: 0 })
    const recreated = server.run(run.id)!
    expect(recreated.init.forkFrom).toBeUndefined()
    expect(recreated.init.resume).toBe('allow')
    expect(recreated.dto.state).toBe('finished')
  })

  it('says a directory without run.json has nothing to sync, rather than failing on a missing file', async () => {
    await expect(stemma.syncRunDir(tempDir(), { baseUrl: server.url, apiKey: API_KEY })).rejects.toThrow(
      /not a run directory with something to sync/,
    )
  })
})
