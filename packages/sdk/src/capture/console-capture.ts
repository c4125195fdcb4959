import type { ConsoleLine } from '@stemma/core'
import { LineSplitter } from './console-lines.js'

type Write = typeof process.stdout.write

/**
 * Captures the process's console by wrapping `process.stdout.write` and `process.stderr.write`,
 * so `console.*` and every library that writes to the streams is recorded. The output still
 * reaches the terminal unchanged; capture only reads it. One capture at a time per process.
 */
export class ConsoleCapture {
  private static active: ConsoleCapture | undefined
  private readonly restores: (() => void)[] = []
  private readonly splitters: LineSplitter[] = []

  private constructor() {}

  static start(emit: (line: ConsoleLine) => void): ConsoleCapture | undefined {
    if (ConsoleCapture.active !== undefined) return undefined
    const capture = new ConsoleCapture()
    capture.wrap(process.stdout, new LineSplitter('stdout', emit))
    capture.wrap(process.stderr, new LineSplitter('stderr', emit))
    ConsoleCapture.active = capture
    return capture
  }

  /** Emits unfinished lines and gives the streams their own `write` back. */
  stop(): void {
    if (ConsoleCapture.active !== this) return
    for (const s of this.splitters) s.flush()
    for (const restore of this.restores.splice(0)) restore()
    ConsoleCapture.active = undefined
  }

  private wrap(stream: NodeJS.WriteStream, splitter: LineSplitter): void {
    const original = stream.write
    this.splitters.push(splitter)
    const wrapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      try {
        if (typeof chunk === 'string') splitter.write(chunk)
        else if (chunk instanceof Uint8Array) splitter.write(Buffer.from(chunk).toString('utf8'))
      } catch {
        // Recording must never break the user's output.
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as Write
    stream.write = wrapped
    this.restores.push(() => {
      // Someone may have wrapped the stream after us; then leave their wrapper in place.
      if (stream.write === wrapped) stream.write = original
    })
  }
}
