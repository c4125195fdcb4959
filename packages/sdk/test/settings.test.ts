import { statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { loadLogin, resolveConnection, resolveSettings, resolveTarget, saveLogin } from '../src/settings.js'
import { isolateEnv } from './helpers/env.js'

let configDir: string
beforeEach(() => {
  configDir = isolateEnv()
})

describe('settings sources', () => {
  it('saveLogin writes a 0600 file that loadLogin reads back', () => {
    const file = saveLogin({ baseUrl: 'http://example.test:8080/', apiKey: 'k1' })
    expect(file).toBe(join(configDir, 'credentials.json'))
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(loadLogin()).toEqual({ baseUrl: 'http://example.test:8080', apiKey: 'k1' })
  })

  it('orders options > STEMMA_* > credentials file > default', () => {
    expect(resolveConnection({})).toEqual({ baseUrl: 'http://127.0.0.1:8080', apiKey: undefined })
    saveLogin({ baseUrl: 'http://file.test', apiKey: 'file-key' })
    expect(resolveConnection({})).toEqual({ baseUrl: 'http://file.test', apiKey: 'file-key' })
    process.env.STEMMA_BASE_URL = 'http://env.test'
    process.env.STEMMA_API_KEY = 'env-key'
    expect(resolveConnection({})).toEqual({ baseUrl: 'http://env.test', apiKey: 'env-key' })
    expect(resolveConnection({ baseUrl: 'http://opt.test/', apiKey: 'opt-key' })).toEqual({
      baseUrl: 'http://opt.test',
      apiKey: 'opt-key',
    })
  })

  it('treats blank values as unset', () => {
    saveLogin({ baseUrl: 'http://file.test', apiKey: 'file-key' })
    process.env.STEMMA_BASE_URL = ''
    process.env.STEMMA_API_KEY = '   '
    process.env.STEMMA_PROJECT = ''
    expect(resolveConnection({ baseUrl: '', apiKey: '' })).toEqual({
      baseUrl: 'http://file.test',
      apiKey: 'file-key',
    })
    expect(resolveTarget({}).project).toBe('uncategorized')
  })

  it('never throws on bad values: it warns and falls back', () => {
    const warnings: string[] = []
    const warn = (m: string) => warnings.push(m)
    mkdirSync(configDir, { recursive: true })
    writeFileSync(join(configDir, 'credentials.json'), '{not json')
    process.env.STEMMA_BASE_URL = 'ftp://nope'
    process.env.STEMMA_MODE = 'sideways'
    expect(resolveConnection({}, process.env, warn).baseUrl).toBe('http://127.0.0.1:8080')
    expect(resolveTarget({}, process.env, warn).mode).toBe('online')
    const settings = resolveSettings(
      { flushIntervalMs: -1, stepPolicy: 'loose' as never, heartbeatIntervalMs: NaN },
      process.env,
      warn,
    )
    expect(settings).toMatchObject({ flushIntervalMs: 100, stepPolicy: 'warn', heartbeatIntervalMs: 10_000 })
    expect(warnings).toHaveLength(6)
  })

  it('reads project, entity, mode and dir from the environment', () => {
    process.env.STEMMA_PROJECT = 'envproj'
    process.env.STEMMA_ENTITY = 'team'
    process.env.STEMMA_MODE = 'offline'
    process.env.STEMMA_DIR = '/tmp/somewhere'
    expect(resolveTarget({})).toEqual({
      project: 'envproj',
      entity: 'team',
      mode: 'offline',
      dir: '/tmp/somewhere',
    })
    expect(resolveTarget({ project: 'opt', mode: 'disabled' })).toMatchObject({
      project: 'opt',
      mode: 'disabled',
    })
  })
})
