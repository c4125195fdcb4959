import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunFileList } from '@stemma/core'
import { runCli, startServer, type TestServer } from '../helpers/server.js'
import { startTrainingScript } from '../helpers/script.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.stop())

const filesOf = async (id: string) =>
  (await server.json<RunFileList>(`/api/v1/runs/admin/files/${id}/files`)).files
const names = async (id: string) => (await filesOf(id)).map((f) => f.name)
const content = async (id: string, name: string) =>
  (await server.request(`/api/v1/runs/admin/files/${id}/files/${encodeURIComponent(name)}`)).text()

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value) || Date.now() > until) return value
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('run files from the SDK', () => {
  it('uploads `now` files as they were, `live` files on each change, and `end` files at the end', async () => {
    const script = startTrainingScript(
      `import { writeFileSync, mkdirSync } from 'node:fs'
       const run = await stemma.init({ project: 'files', id: 'policies1', settings: { quiet: true } })
       mkdirSync('out/ckpt', { recursive: true })
       writeFileSync('out/ckpt/now.txt', 'at save time')
       writeFileSync('out/ckpt/live.txt', 'live 1')
       writeFileSync('out/ckpt/end.txt', 'end 1')
       run.save('out/ckpt/now.txt', { policy: 'now' })
       run.save('out/ckpt/live.txt', { basePath: 'out' })
       stemma.save('out/**/end.txt', { policy: 'end' })
       writeFileSync('out/ckpt/now.txt', 'changed later')
       console.log('saved')
       await new Promise((r) => setTimeout(r, 1500))
       writeFileSync('out/ckpt/live.txt', 'live 2')
       console.log('changed')
       await new Promise((r) => setTimeout(r, 4000))
       writeFileSync('out/ckpt/end.txt', 'end 2')
       await run.finish()`,
      { baseUrl: server.baseUrl },
    )
    await script.waitFor('saved')
    // Live and now files go up while the script runs; the end file waits for the end.
    await eventually(
      () => names('policies1'),
      (n) => n.length >= 2,
    )
    expect(await names('policies1')).toEqual(['ckpt/live.txt', 'out/ckpt/now.txt'])
    await script.waitFor('changed')
    expect(
      await eventually(
        () => content('policies1', 'ckpt/live.txt'),
        (c) => c === 'live 2',
      ),
    ).toBe('live 2')
    expect(await script.exited).toEqual({ code: 0, signal: null })

    expect(await names('policies1')).toEqual(['ckpt/live.txt', 'out/ckpt/end.txt', 'out/ckpt/now.txt'])
    expect(await content('policies1', 'out/ckpt/now.txt')).toBe('at save time')
    expect(await content('policies1', 'out/ckpt/end.txt')).toBe('end 2')
  })

  it('restores a file of another run, keeping a local copy unless asked to replace it', async () => {
    const script = startTrainingScript(
      `import { readFileSync, writeFileSync } from 'node:fs'
       writeFileSync('weights.bin', 'trained weights')
       const first = await stemma.init({ project: 'files', id: 'restore1', settings: { quiet: true } })
       first.save('weights.bin', { policy: 'now' })
       await first.finish()
       const path = await stemma.restore('weights.bin', { runPath: 'admin/files/restore1', root: 'restored' })
       console.log('restored:' + readFileSync(path, 'utf8'))
       writeFileSync(path, 'local edit')
       await stemma.restore('weights.bin', { runPath: 'admin/files/restore1', root: 'restored' })
       console.log('kept:' + readFileSync(path, 'utf8'))
       await stemma.restore('weights.bin', { runPath: 'admin/files/restore1', root: 'restored', replace: true })
       console.log('replaced:' + readFileSync(path, 'utf8'))
       console.log('missing:' + await stemma.restore('nope.bin', { runPath: 'admin/files/restore1' }))`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code, script.output()).toBe(0)
    const out = script.output()
    expect(out).toContain('restored:trained weights')
    expect(out).toContain('kept:local edit')
    expect(out).toContain('replaced:trained weights')
    expect(out).toContain('missing:null')
  })

  it('logs code and saves the git diff of a dirty work tree as diff.patch', async () => {
    const script = startTrainingScript(
      `import { execFileSync } from 'node:child_process'
       import { mkdirSync, writeFileSync } from 'node:fs'
       const git = (...args) => execFileSync('git', args, { stdio: 'ignore' })
       mkdirSync('src/lib', { recursive: true })
       mkdirSync('node_modules/dep', { recursive: true })
       writeFileSync('src/model.py', 'x = 1\\n')
       writeFileSync('src/lib/util.ts', 'export const y = 2\\n')
       writeFileSync('node_modules/dep/index.js', '')
       git('init', '-q'); git('-c', 'user.email=a@b', '-c', 'user.name=a', 'add', 'src')
       git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'first')
       writeFileSync('src/model.py', 'x = 42\\n')
       const run = await stemma.init({ project: 'files', id: 'code1', settings: { quiet: true } })
       console.log('code:' + JSON.stringify(run.logCode()))
       await run.finish()`,
      { baseUrl: server.baseUrl },
    )
    expect((await script.exited).code, script.output()).toBe(0)
    expect(script.output()).toContain('code:["code/src/lib/util.ts","code/src/model.py","code/train.mjs"]')
    expect(await names('code1')).toEqual([
      'code/src/lib/util.ts',
      'code/src/model.py',
      'code/train.mjs',
      'diff.patch',
    ])
    const diff = await content('code1', 'diff.patch')
    expect(diff).toContain('-x = 1')
    expect(diff).toContain('+x = 42')
    expect(await content('code1', 'code/src/model.py')).toBe('x = 42\n')
  })

  it('delivers a saved file after a hard process.exit(1), and an offline run’s files with stemma sync', async () => {
    const hard = startTrainingScript(
      `import { writeFileSync } from 'node:fs'
       const run = await stemma.init({ project: 'files', id: 'hardexit1', settings: { quiet: true } })
       writeFileSync('report.json', '{"ok":true}')
       run.save('report.json', { policy: 'end' })
       process.exit(1)`,
      { baseUrl: server.baseUrl },
    )
    expect((await hard.exited).code).toBe(1)
    expect(
      await eventually(
        () => names('hardexit1'),
        (n) => n.length > 0,
      ),
    ).toEqual(['report.json'])

    const offline = startTrainingScript(
      `import { writeFileSync } from 'node:fs'
       const run = await stemma.init({ project: 'files', id: 'offline1', mode: 'offline', settings: { quiet: true } })
       writeFileSync('notes.md', '# offline')
       run.save('notes.md')
       run.log({ loss: 1 })
       await run.finish()`,
      { baseUrl: server.baseUrl, mode: 'offline' },
    )
    expect((await offline.exited).code, offline.output()).toBe(0)
    const runDirs = readdirSync(join(offline.dir, 'stemma')).filter((d) => d.startsWith('run-'))
    const sync = runCli(['sync', join(offline.dir, 'stemma', runDirs[0]!)], {
      STEMMA_BASE_URL: server.baseUrl,
      STEMMA_API_KEY: `local-${'t'.repeat(40)}`,
    })
    expect(sync.code, sync.stderr).toBe(0)
    expect(await names('offline1')).toEqual(['notes.md'])
    expect(await content('offline1', 'notes.md')).toBe('# offline')
  })
})
