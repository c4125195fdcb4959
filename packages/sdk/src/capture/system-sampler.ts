import type { SystemSample } from '@stemma/core'
import { gpuCollector } from './gpu-stats.js'
import {
  cpuCollector,
  diskCollector,
  fdValues,
  memoryValues,
  networkCollector,
  type Values,
} from './host-stats.js'

/**
 * Samples the machine every `intervalMs` (an unref'd timer: it never keeps the process alive)
 * and hands each sample to `emit`. A collector that fails leaves its series out of that sample.
 */
export class SystemSampler {
  private timer: NodeJS.Timeout | undefined
  private sampling = false
  private readonly collectors: (() => Values | Promise<Values>)[]

  constructor(
    private readonly emit: (sample: SystemSample) => void,
    private readonly intervalMs: number,
    dir: string,
    gpuCommand?: string,
  ) {
    this.collectors = [
      cpuCollector(),
      memoryValues,
      diskCollector(dir),
      networkCollector(),
      fdValues,
      gpuCollector(gpuCommand),
    ]
  }

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => void this.sample(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** One sample now; skipped while the previous one is still being taken (a slow nvidia-smi). */
  async sample(): Promise<void> {
    if (this.sampling) return
    this.sampling = true
    try {
      const t = Date.now()
      const parts = await Promise.all(
        this.collectors.map(async (collect) => {
          try {
            return await collect()
          } catch {
            return {}
          }
        }),
      )
      const values: Values = Object.assign({}, ...parts)
      for (const [k, v] of Object.entries(values)) if (!Number.isFinite(v)) delete values[k]
      if (Object.keys(values).length > 0) this.emit({ t, values })
    } finally {
      this.sampling = false
    }
  }
}
