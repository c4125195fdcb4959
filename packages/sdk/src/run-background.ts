import type { ControlSignals, HeartbeatResponse } from '@stemma/core'
import { ConsoleCapture } from './capture/console-capture.js'
import { SystemSampler } from './capture/system-sampler.js'
import type { Pipeline } from './pipeline.js'
import type { Settings } from './settings.js'
import { StopListener } from './stop-listener.js'
import type { HttpClient } from './transport.js'
import type { Uploader } from './uploader.js'

export interface BackgroundParams {
  settings: Settings
  pipeline: Pipeline
  /** Console and system samples go where rows go, so only a run with a write-ahead file captures. */
  capture: boolean
  client?: HttpClient
  apiPath?: string
  uploader?: Uploader
  onControl: (control: ControlSignals | undefined) => void
}

/**
 * What a run does while the script is busy elsewhere: heartbeats, the stop listener, console
 * capture and system sampling. All timers and sockets are unref'd: none keeps the process alive.
 */
export class RunBackground {
  private heartbeatTimer: NodeJS.Timeout | undefined
  private consoleCapture: ConsoleCapture | undefined
  private systemSampler: SystemSampler | undefined
  private stopListener: StopListener | undefined

  constructor(private readonly params: BackgroundParams) {}

  start(): void {
    this.startHeartbeat()
    this.startCapture()
    this.listenForStop()
  }

  /** Unfinished console lines are emitted here, so call it before the last batch is made. */
  stop(): void {
    this.consoleCapture?.stop()
    this.systemSampler?.stop()
    this.stopListener?.close()
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  /** A stop from the web app or API arrives over the run's event stream, even while the script is idle. */
  private listenForStop() {
    const { client, apiPath, onControl } = this.params
    if (client === undefined || apiPath === undefined) return
    this.stopListener = new StopListener(client.url(`${apiPath}/events`), client.requestHeaders, () =>
      onControl({ stopRequested: true }),
    )
    this.stopListener.start()
  }

  private startCapture() {
    const { settings, pipeline, capture } = this.params
    if (!capture) return
    if (settings.captureConsole) {
      this.consoleCapture = ConsoleCapture.start((line) => pipeline.addConsole(line))
    }
    if (settings.captureSystem) {
      this.systemSampler = new SystemSampler(
        (sample) => pipeline.addSystem(sample),
        settings.statsSamplingIntervalMs,
        process.cwd(),
      )
      this.systemSampler.start()
    }
  }

  private startHeartbeat() {
    const { client, apiPath, uploader, settings, onControl } = this.params
    if (client === undefined || apiPath === undefined) return
    const interval = settings.heartbeatIntervalMs
    this.heartbeatTimer = setInterval(() => {
      // A batch acknowledged recently was a heartbeat already.
      if (uploader !== undefined && Date.now() - uploader.lastAckAt < interval) return
      void client
        .request<HeartbeatResponse>({
          method: 'POST',
          path: `${apiPath}/heartbeat`,
          body: '{}',
          timeoutMs: interval,
        })
        .then((outcome) => {
          if (outcome.kind === 'success') onControl(outcome.body?.control)
        })
    }, interval)
    this.heartbeatTimer.unref()
  }
}
