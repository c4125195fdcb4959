import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { API_KEY, startServer as startListening, tempDir, type TestServer } from '../helpers/server.js'

const INDEX_HTML = '<!doctype html><html><body><div id="root"></div></body></html>\n'
/** Where the monorepo builds the web app, as the built CLI must find it. */
const MONOREPO_WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url))

function builtWebApp(): string {
  const dir = join(tempDir('stemma-web-'), 'dist')
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), INDEX_HTML)
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'export {}\n')
  return dir
}

/** Resolves once the start-up lines are all out (the web app's line comes after `listening`). */
async function startServer(options: Parameters<typeof startListening>[0]): Promise<TestServer> {
  const started = await startListening(options)
  for (let i = 0; i < 200 && !started.output().includes('Log a run'); i++)
    await new Promise((r) => setTimeout(r, 25))
  return started
}

let server: TestServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('stemma server and the web app', () => {
  it('serves the app from --web-root and prints a sign-in link with the key in the fragment', async () => {
    server = await startServer({ args: ['--web-root', builtWebApp()] })
    const link = /sign in to the web app: (\S+)/.exec(server.output())?.[1]
    expect(link).toBe(`${server.baseUrl}/sign-in#key=${API_KEY}`)
    const page = await fetch(`${server.baseUrl}/sign-in`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(INDEX_HTML)
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self';/)
    const asset = await fetch(`${server.baseUrl}/assets/index-abc123.js`)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')

    // What the page does with the link: the key from the fragment becomes a session cookie.
    const key = decodeURIComponent(new URL(link!).hash.slice('#key='.length))
    const signIn = await server.request('/api/v1/session', {
      method: 'POST',
      key: null,
      body: JSON.stringify({ apiKey: key }),
    })
    expect(signIn.status).toBe(200)
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const viewer = await server.request('/api/v1/viewer', { key: null, headers: { cookie } })
    expect(await viewer.json()).toMatchObject({ username: 'admin' })
  })

  it('on a later start, takes the key for the link from the data directory’s key file', async () => {
    const webRoot = builtWebApp()
    const first = await startServer({ args: ['--web-root', webRoot] })
    await first.kill()
    server = await startServer({
      dataDir: first.dataDir,
      args: ['--web-root', webRoot],
      env: { STEMMA_ADMIN_API_KEY: '' },
    })
    expect(server.output()).not.toContain('admin API key:')
    expect(server.output()).toContain(`sign in to the web app: ${server.baseUrl}/sign-in#key=${API_KEY}`)
  })

  it('starts API-only, saying so in one line, when the web root has no index.html', async () => {
    server = await startServer({ env: { STEMMA_WEB_ROOT: tempDir('stemma-empty-web-') } })
    const lines = server.output().split('\n')
    expect(lines.filter((l) => l.includes('web app'))).toEqual([
      expect.stringMatching(
        /^web app: not built \(no index\.html in .*stemma-empty-web-.*\); run `npm run build`/,
      ),
    ])
    const root = await fetch(`${server.baseUrl}/`)
    expect(root.status).toBe(404)
    expect(await root.text()).toMatch(/not built/)
    expect((await server.request('/api/v1/viewer')).status).toBe(200)
  })

  it('looks for the monorepo’s packages/web/dist by default', async () => {
    server = await startServer({ env: { STEMMA_WEB_ROOT: '' } })
    if (existsSync(join(MONOREPO_WEB_ROOT, 'index.html'))) {
      expect(server.output()).toContain(`sign in to the web app: ${server.baseUrl}/sign-in#key=`)
    } else {
      expect(server.output()).toContain(`web app: not built (no index.html in ${MONOREPO_WEB_ROOT})`)
    }
  })
})
