import { spawn } from 'node:child_process'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI, runCli, tempDir } from '../helpers/server.js'

const dataDir = tempDir('stemma-start-')
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

/** Starts `stemma server` (with no key in the environment by default), returns its first lines and a stopper. */
async function start(adminKey?: string) {
  const env = { ...process.env }
  delete env.STEMMA_ADMIN_API_KEY
  if (adminKey !== undefined) env.STEMMA_ADMIN_API_KEY = adminKey
  const child = spawn(process.execPath, [CLI, 'server', '--port', '0', '--data-dir', dataDir], { env })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString()
      if (output.includes('Log a run')) setTimeout(resolve, 50)
    })
    child.once('exit', (code) => reject(new Error(`exited ${code}`)))
  })
  const url = /listening on (http:\/\/\S+)/.exec(output)![1]!
  return {
    output,
    url,
    stop: () => {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      return exited
    },
  }
}

describe('first start of the server', () => {
  it('creates an admin key, prints it once, keeps it in a 0600 file, and binds loopback', async () => {
    const first = await start()
    const key = /admin API key: (local-[a-z0-9]{40})/.exec(first.output)?.[1]
    expect(key).toBeDefined()
    const file = join(dataDir, 'admin-api-key')
    expect(readFileSync(file, 'utf8').trim()).toBe(key)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(new URL(first.url).hostname).toBe('127.0.0.1')
    expect(first.output).toContain('STEMMA_BASE_URL=')

    const viewer = await fetch(`${first.url}/api/v1/viewer`, { headers: { authorization: `Bearer ${key}` } })
    expect(await viewer.json()).toMatchObject({ username: 'admin', isAdmin: true })
    expect((await fetch(`${first.url}/api/v1/viewer`)).status).toBe(401)
    await first.stop()

    const second = await start()
    expect(second.output).not.toContain('admin API key:')
    const again = await fetch(`${second.url}/api/v1/viewer`, { headers: { authorization: `Bearer ${key}` } })
    expect(again.status).toBe(200)
    await second.stop()

    const third = await start(`local-${'z'.repeat(40)}`)
    expect(third.output).toContain('STEMMA_ADMIN_API_KEY is ignored')
    const port = new URL(third.url).port
    const clash = runCli(['server', '--port', port, '--data-dir', tempDir('stemma-clash-')])
    expect(clash.code).toBe(1)
    expect(clash.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`)
    await third.stop()
  })
})
