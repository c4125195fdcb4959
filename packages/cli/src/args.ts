import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util'
import { StemmaError } from '@stemma/core'
import type { ServerFlags } from './settings.js'

export type Command =
  | ({ name: 'server' } & ServerFlags)
  | { name: 'login'; host?: string; key?: string }
  | { name: 'sync'; runDirs: string[] }
  | { name: 'runs-ls'; path: string; limit: number; json: boolean }
  | { name: 'help'; topic?: string }
  | { name: 'version' }

export const USAGE = `Usage: stemma <command> [options]

Commands:
  server [--port 8080] [--host 127.0.0.1] [--data-dir DIR]   start the server and web app
         [--database-url postgres://…] [--blob-url s3://BUCKET/PREFIX] [--s3-endpoint URL]
         [--alert-webhook URL[,URL]] [--webhook-allow HOST[:PORT][,…]]
         [--web-root DIR]                                    the built web app (packages/web/dist)
  login [--host URL] [KEY]                                   save the server address and API key
  sync RUN_DIR...                                            upload runs logged offline or cut short
  runs ls ENTITY/PROJECT [--limit 50] [--json]               list a project's runs

Options:
  -h, --help      show this help
  -v, --version   show the version`

type ParsedFlags = { values: Record<string, string | boolean | undefined>; positionals: string[] }

function usage(message: string): never {
  throw new StemmaError('BAD_REQUEST', `${message}\n\n${USAGE}`)
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    usage(`--port must be an integer from 0 to 65535; got ${value}.`)
  return port
}

/** Parses argv (without `node` and the script) into a command; throws with usage on bad input. */
export function parseArgs(argv: readonly string[]): Command {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help')
    return { name: 'help', topic: rest[0] }
  if (name === '-v' || name === '--version') return { name: 'version' }
  const parse = (options: ParseArgsConfig['options']): ParsedFlags => {
    try {
      return parseNodeArgs({ args: [...rest], options, allowPositionals: true, strict: true }) as ParsedFlags
    } catch (err) {
      usage((err as Error).message)
    }
  }
  switch (name) {
    case 'server': {
      const { values, positionals } = parse({
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'blob-url': { type: 'string' },
        's3-endpoint': { type: 'string' },
        'web-root': { type: 'string' },
        'alert-webhook': { type: 'string' },
        'webhook-allow': { type: 'string' },
      })
      if (positionals.length > 0) usage(`stemma server takes no arguments; got ${positionals.join(' ')}.`)
      return {
        name,
        port: parsePort(values.port as string | undefined),
        host: values.host as string | undefined,
        dataDir: values['data-dir'] as string | undefined,
        databaseUrl: values['database-url'] as string | undefined,
        blobUrl: values['blob-url'] as string | undefined,
        s3Endpoint: values['s3-endpoint'] as string | undefined,
        webRoot: values['web-root'] as string | undefined,
        alertWebhook: values['alert-webhook'] as string | undefined,
        webhookAllow: values['webhook-allow'] as string | undefined,
      }
    }
    case 'login': {
      const { values, positionals } = parse({ host: { type: 'string' } })
      if (positionals.length > 1) usage('stemma login takes at most one API key.')
      return { name, host: values.host as string | undefined, key: positionals[0] }
    }
    case 'sync': {
      const { positionals } = parse({})
      if (positionals.length === 0) usage('stemma sync needs at least one run directory.')
      return { name, runDirs: positionals }
    }
    case 'runs': {
      const { values, positionals } = parse({ limit: { type: 'string' }, json: { type: 'boolean' } })
      if (positionals[0] !== 'ls' || positionals.length !== 2) usage('Use: stemma runs ls ENTITY/PROJECT')
      const limit = values.limit === undefined ? 50 : Number(values.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        usage('--limit must be an integer from 1 to 1000.')
      return { name: 'runs-ls', path: positionals[1]!, limit, json: values.json === true }
    }
    default:
      usage(`Unknown command ${JSON.stringify(name)}.`)
  }
}
