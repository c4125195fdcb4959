import { execFile } from 'node:child_process'
import type { Values } from './host-stats.js'

const QUERY = 'index,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw'
const FIELDS = ['utilization_pct', 'memory_used_mb', 'memory_total_mb', 'temperature_c', 'power_w'] as const

/**
 * NVIDIA GPUs through `nvidia-smi` when it is on PATH. A machine without it (or without a GPU)
 * records no GPU series and no error: the first failed call switches the collector off.
 */
export function gpuCollector(command = 'nvidia-smi'): () => Promise<Values> {
  let available = true
  return () =>
    new Promise((resolve) => {
      if (!available) return resolve({})
      execFile(
        command,
        [`--query-gpu=${QUERY}`, '--format=csv,noheader,nounits'],
        { timeout: 5_000, windowsHide: true },
        (err, stdout) => {
          if (err) {
            available = false
            return resolve({})
          }
          resolve(parseNvidiaSmi(stdout))
        },
      )
    })
}

/** One CSV line per GPU; `[N/A]` fields (power on some boards) are left out. */
export function parseNvidiaSmi(csv: string): Values {
  const values: Values = {}
  for (const line of csv.split('\n')) {
    const cells = line.split(',').map((c) => c.trim())
    if (cells.length < FIELDS.length + 1 || !/^\d+$/.test(cells[0]!)) continue
    FIELDS.forEach((field, i) => {
      const n = Number(cells[i + 1])
      if (cells[i + 1] !== '' && Number.isFinite(n)) values[`gpu.${cells[0]}.${field}`] = n
    })
  }
  return values
}

/** GPU model names for the run's metadata (`nvidia-smi --query-gpu=name`); none without the tool. */
export function gpuNames(command = 'nvidia-smi'): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(command, ['--query-gpu=name', '--format=csv,noheader'], { timeout: 5_000 }, (err, stdout) =>
      resolve(
        err
          ? []
          : stdout
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean),
      ),
    )
  })
}
