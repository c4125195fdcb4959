import { describe, expect, it } from 'vitest'
import type { ConsoleLine } from '@stemma/core'
import { LineSplitter, MAX_LINE_CHARS } from '../src/capture/console-lines.js'
import { parseNvidiaSmi } from '../src/capture/gpu-stats.js'
import { SystemSampler } from '../src/capture/system-sampler.js'
import { collectMetadata } from '../src/metadata.js'

function split(chunks: string[], flush = false): string[] {
  const lines: ConsoleLine[] = []
  const s = new LineSplitter(
    'stdout',
    (l) => lines.push(l),
    () => 42,
  )
  for (const c of chunks) s.write(c)
  if (flush) s.flush()
  return lines.map((l) => l.line)
}

describe('console lines', () => {
  it('splits on newlines across writes, and keeps an unfinished line until flushed', () => {
    expect(split(['a', 'b\nc', '\n', 'd'])).toEqual(['ab', 'c'])
    expect(split(['a', 'b\nc', '\n', 'd'], true)).toEqual(['ab', 'c', 'd'])
    expect(split(['\n\n'])).toEqual(['', ''])
  })

  it('collapses carriage-return redraws to the final state, and treats \\r\\n as a line end', () => {
    expect(split(['\r 10%', '\r 50%', '\r100%\n'])).toEqual(['100%'])
    expect(split(['10%\r', '20%\r', 'done\r\n', 'next\r\n'])).toEqual(['done', 'next'])
    expect(split(['loading\r'], true)).toEqual(['loading'])
  })

  it('caps a very long line and says how much was cut', () => {
    const [line] = split(['x'.repeat(MAX_LINE_CHARS + 10) + '\n'])
    expect(line).toBe(`${'x'.repeat(MAX_LINE_CHARS)} … [10 more characters cut]`)
    // A progress line redrawn forever stays bounded and ends in its last state.
    const redraws = Array.from({ length: 10_000 }, (_, i) => `\rstep ${i} ${'.'.repeat(20)}`)
    expect(split([...redraws, '\n'])).toEqual([`step 9999 ${'.'.repeat(20)}`])
  })
})

describe('GPU metrics', () => {
  it('reads nvidia-smi CSV per GPU and leaves [N/A] fields out', () => {
    const csv = '0, 87, 40512, 81559, 64, 312.45\n1, 3, 1, 81559, 31, [N/A]\n'
    expect(parseNvidiaSmi(csv)).toEqual({
      'gpu.0.utilization_pct': 87,
      'gpu.0.memory_used_mb': 40512,
      'gpu.0.memory_total_mb': 81559,
      'gpu.0.temperature_c': 64,
      'gpu.0.power_w': 312.45,
      'gpu.1.utilization_pct': 3,
      'gpu.1.memory_used_mb': 1,
      'gpu.1.memory_total_mb': 81559,
      'gpu.1.temperature_c': 31,
    })
    expect(parseNvidiaSmi('')).toEqual({})
    expect(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the driver.')).toEqual(
      {},
    )
  })
})

describe('system sampler', () => {
  it('samples this machine; without nvidia-smi there are no GPU series and no error', async () => {
    const samples: { t: number; values: Record<string, number> }[] = []
    const sampler = new SystemSampler((s) => samples.push(s), 60_000, process.cwd(), 'no-such-nvidia-smi')
    await sampler.sample()
    // Burn a little CPU so the second sample has something to measure.
    const until = Date.now() + 50
    while (Date.now() < until);
    await sampler.sample()
    expect(samples).toHaveLength(2)
    const values = samples[1]!.values
    expect(values['memory.process_rss_mb']).toBeGreaterThan(1)
    expect(values['memory.system_used_pct']).toBeGreaterThan(0)
    expect(values['cpu.process_pct']).toBeGreaterThan(0)
    expect(values['disk.used_pct']).toBeGreaterThan(0)
    if (process.platform === 'linux') {
      expect(values['proc.open_fds']).toBeGreaterThan(2)
      expect(values['network.sent_mb']).toBeGreaterThanOrEqual(0)
    }
    expect(Object.keys(values).filter((k) => k.startsWith('gpu.'))).toEqual([])
  })
})

describe('run metadata', () => {
  it('names the host, OS, executable, CPU and the git commit, branch and dirty flag of this checkout', () => {
    const meta = collectMetadata()
    expect(meta).toMatchObject({
      host: expect.any(String),
      os: expect.stringContaining(process.platform),
      osVersion: expect.any(String),
      runtime: `node ${process.version}`,
      executable: process.execPath,
      cpuCount: expect.any(Number),
      sdk: expect.stringContaining('@stemma/sdk'),
    })
    expect(Date.parse(meta.startedAt as string)).toBeGreaterThan(0)
    // The tests run inside this repository's checkout.
    const git = meta.git as Record<string, unknown>
    expect(git.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(typeof git.dirty).toBe('boolean')
  })
})
