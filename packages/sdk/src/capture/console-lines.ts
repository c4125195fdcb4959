import type { ConsoleLine } from '@stemma/core'

/**
 * Longest line kept, in UTF-16 units; the rest is replaced by a marker saying how much was cut.
 * 16 Ki characters keeps a log tab readable and a batch small, and no real log line is longer.
 */
export const MAX_LINE_CHARS = 16_384

/**
 * Turns a stream's written chunks into console lines. A carriage return starts the line over, as
 * on a terminal, so a progress bar (`\r 10%`, `\r 20%`, …) becomes one line in its final state.
 * A line is emitted when its newline arrives, or by `flush()` when the run ends.
 */
export class LineSplitter {
  private pending = ''
  private cut = 0

  constructor(
    private readonly stream: ConsoleLine['stream'],
    private readonly emit: (line: ConsoleLine) => void,
    private readonly now: () => number = Date.now,
  ) {}

  write(text: string): void {
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      const piece = text.slice(start, nl < 0 ? text.length : nl)
      this.append(piece)
      if (nl < 0) return
      this.end()
      start = nl + 1
    }
  }

  /** Emits the unfinished line, if any (in its final state after carriage returns). */
  flush(): void {
    if (this.pending !== '' || this.cut > 0) this.end()
  }

  private append(piece: string): void {
    this.pending += piece
    // A line that never ends (a progress bar redrawn for hours) must not grow without bound.
    if (this.pending.length > 4 * MAX_LINE_CHARS) this.pending = this.settle(this.pending)
  }

  private end(): void {
    let text = this.pending
    // A `\r\n` line end is not a redraw.
    if (text.endsWith('\r')) text = text.slice(0, -1)
    text = this.settle(text)
    const line = this.cut > 0 ? `${text} … [${this.cut} more characters cut]` : text
    this.pending = ''
    this.cut = 0
    this.emit({ t: this.now(), stream: this.stream, line })
  }

  /** What a terminal would show: the text after the last carriage return, capped. */
  private settle(text: string): string {
    const cr = text.lastIndexOf('\r')
    if (cr >= 0) {
      text = text.slice(cr + 1)
      this.cut = 0
    }
    if (text.length > MAX_LINE_CHARS) {
      this.cut += text.length - MAX_LINE_CHARS
      text = text.slice(0, MAX_LINE_CHARS)
    }
    return text
  }
}
