import { readFileSync } from 'node:fs'
import { isStemmaError } from '@stemma/core'
import { parseArgs, USAGE, type Command } from './args.js'

const out = (line: string) => process.stdout.write(`${line}\n`)

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return ''
  let data = ''
  for await (const chunk of process.stdin) data += chunk
  return data
}

/** Commands load lazily so `stemma sync` never pays for starting a server. */
async function execute(command: Command): Promise<number> {
  switch (command.name) {
    case 'help':
      out(USAGE)
      return 0
    case 'version':
      out(version())
      return 0
    case 'server': {
      const { serverCommand } = await import('./commands/server.js')
      const close = await serverCommand(command, out)
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => void close().then(() => process.exit(0)))
      }
      return 0
    }
    case 'login': {
      const { loginCommand } = await import('./commands/login.js')
      await loginCommand(command, readStdin, out)
      return 0
    }
    case 'sync': {
      const { syncCommand } = await import('./commands/sync.js')
      await syncCommand(command.runDirs, out, (line) => process.stderr.write(`stemma: ${line}\n`))
      return 0
    }
    case 'runs-ls': {
      const { runsLsCommand } = await import('./commands/runs.js')
      await runsLsCommand(command, out)
      return 0
    }
  }
}

export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    return await execute(parseArgs(argv))
  } catch (err) {
    const message = isStemmaError(err) ? `${err.message}` : err instanceof Error ? err.message : String(err)
    process.stderr.write(`stemma: ${message}\n`)
    return isStemmaError(err) && err.code === 'BAD_REQUEST' ? 2 : 1
  }
}
