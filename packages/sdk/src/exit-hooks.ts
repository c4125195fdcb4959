import { inspect } from 'node:util'
import type { Run } from './run.js'

/**
 * Process hooks that end the active run the way W&B does: a normal exit finishes it (failed on
 * a non-zero `process.exitCode`), an uncaught error fails it, SIGINT/SIGTERM kill it, and a hard
 * `process.exit()` still leaves the exit record in the write-ahead file for `stemma sync`.
 * They are installed while a run is active and removed when it ends, so Node's defaults return.
 */
let active: (() => Run | undefined) | undefined
let interrupted = false

function exitCodeNow(): number {
  const code = Number(process.exitCode ?? 0)
  return Number.isInteger(code) ? code : 1
}

function onBeforeExit() {
  const run = active?.()
  if (run === undefined || run.finished) return
  void run.finish(exitCodeNow())
}

function onUncaught(err: unknown, origin: string) {
  // Printed as Node would have, since this listener replaces its default report.
  process.stderr.write(
    `\n${origin === 'unhandledRejection' ? 'Unhandled rejection: ' : ''}${inspect(err)}\n\nNode.js ${process.version}\n`,
  )
  const run = active?.()
  if (run === undefined || run.finished) process.exit(1)
  void run.finishWith('failed', 1).finally(() => process.exit(1))
}

function onSignal(signal: 'SIGINT' | 'SIGTERM') {
  const code = signal === 'SIGINT' ? 130 : 143
  const run = active?.()
  if (run === undefined || interrupted) process.exit(code)
  interrupted = true
  process.stderr.write(`stemma: ${signal} received; finishing the run (send it again to exit at once).\n`)
  void run.finishWith('killed', code).finally(() => process.exit(code))
}

const onSigint = () => onSignal('SIGINT')
const onSigterm = () => onSignal('SIGTERM')

function onExit(code: number) {
  const run = active?.()
  if (run !== undefined) run.writeExitSync(Number.isInteger(code) ? code : 1)
}

export function installExitHooks(getActive: () => Run | undefined): void {
  if (active !== undefined) return
  active = getActive
  interrupted = false
  process.on('beforeExit', onBeforeExit)
  process.on('uncaughtException', onUncaught)
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)
  process.on('exit', onExit)
}

export function removeExitHooks(): void {
  if (active === undefined) return
  active = undefined
  process.off('beforeExit', onBeforeExit)
  process.off('uncaughtException', onUncaught)
  process.off('SIGINT', onSigint)
  process.off('SIGTERM', onSigterm)
  process.off('exit', onExit)
}
