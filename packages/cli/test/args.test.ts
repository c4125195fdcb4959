import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseArgs, readServerSettings } from '@stemma/cli'

describe('stemma argument parsing', () => {
  it('parses the server command with its flags', () => {
    expect(parseArgs(['server', '--port', '9000', '--host', '0.0.0.0', '--data-dir', '/tmp/x'])).toEqual({
      name: 'server',
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/x',
    })
  })

  it('takes the web app directory with --web-root', () => {
    expect(parseArgs(['server', '--web-root', '/srv/web'])).toMatchObject({
      name: 'server',
      webRoot: '/srv/web',
    })
  })

  it('parses login, sync and runs ls', () => {
    expect(parseArgs(['login', '--host', 'http://h:1', 'k'])).toEqual({
      name: 'login',
      host: 'http://h:1',
      key: 'k',
    })
    expect(parseArgs(['sync', 'a', 'b'])).toEqual({ name: 'sync', runDirs: ['a', 'b'] })
    expect(parseArgs(['runs', 'ls', 'me/proj', '--json'])).toEqual({
      name: 'runs-ls',
      path: 'me/proj',
      limit: 50,
      json: true,
    })
  })

  it('answers help and version', () => {
    expect(parseArgs([])).toEqual({ name: 'help', topic: undefined })
    expect(parseArgs(['--version'])).toEqual({ name: 'version' })
  })

  it.each([
    [['server', '--port', 'http'], /--port must be an integer/],
    [['server', '--bogus'], /Unknown option/],
    [['sync'], /at least one run directory/],
    [['runs', 'rm', 'x/y'], /stemma runs ls/],
    [['launch'], /Unknown command "launch"/],
  ])('explains what is wrong with %j and shows usage', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message)
    expect(() => parseArgs(argv)).toThrow(/Usage: stemma/)
  })
})

describe('server settings', () => {
  const warnings: string[] = []
  const warn = (m: string) => warnings.push(m)

  it('binds loopback on 8080 with a .stemma data directory by default', () => {
    const s = readServerSettings({}, {}, warn)
    expect(s.host).toBe('127.0.0.1')
    expect(s.port).toBe(8080)
    expect(s.dataDir.endsWith('.stemma')).toBe(true)
  })

  it('prefers flags over the environment and treats blank variables as unset', () => {
    const s = readServerSettings(
      { port: 1234 },
      { STEMMA_PORT: '999', STEMMA_HOST: '  ', STEMMA_ADMIN_API_KEY: 'k' },
      warn,
    )
    expect([s.port, s.host, s.adminApiKey]).toEqual([1234, '127.0.0.1', 'k'])
  })

  it('finds the web app in the monorepo’s packages/web/dist unless told otherwise', () => {
    const monorepo = fileURLToPath(new URL('../../web/dist', import.meta.url))
    expect(readServerSettings({}, {}, warn).webRoot).toBe(monorepo)
    expect(readServerSettings({}, { STEMMA_WEB_ROOT: '/srv/env' }, warn).webRoot).toBe('/srv/env')
    expect(readServerSettings({ webRoot: '/srv/flag' }, { STEMMA_WEB_ROOT: '/srv/env' }, warn).webRoot).toBe(
      '/srv/flag',
    )
  })

  it('warns and falls back on a bad port instead of failing', () => {
    warnings.length = 0
    expect(readServerSettings({}, { STEMMA_PORT: 'eighty' }, warn).port).toBe(8080)
    expect(warnings).toEqual(['STEMMA_PORT=eighty is not a port number; using 8080.'])
  })
})
