import { readdirSync, readFileSync, statSync, statfsSync } from 'node:fs'
import { cpus, freemem, totalmem } from 'node:os'

/** A reading of cumulative counters; a collector reports what changed since its first reading. */
export type Values = Record<string, number>

const MB = 1024 * 1024

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** CPU busy share of the process (of one core, as `top` shows it) and of the whole machine. */
export function cpuCollector(): () => Values {
  let lastProcess = process.cpuUsage()
  let lastAt = process.hrtime.bigint()
  let lastSystem = systemTimes()
  return () => {
    const now = process.hrtime.bigint()
    const usage = process.cpuUsage()
    const system = systemTimes()
    const elapsedUs = Number(now - lastAt) / 1000
    const processUs = usage.user - lastProcess.user + usage.system - lastProcess.system
    const total = system.total - lastSystem.total
    const values: Values = {}
    if (elapsedUs > 0) values['cpu.process_pct'] = (100 * processUs) / elapsedUs
    if (total > 0) values['cpu.system_pct'] = (100 * (total - (system.idle - lastSystem.idle))) / total
    lastProcess = usage
    lastAt = now
    lastSystem = system
    return values
  }
}

function systemTimes(): { idle: number; total: number } {
  let idle = 0
  let total = 0
  for (const cpu of cpus()) {
    const t = cpu.times
    idle += t.idle
    total += t.user + t.nice + t.sys + t.idle + t.irq
  }
  return { idle, total }
}

/** Process resident memory, and the machine's memory in use (Linux's MemAvailable where there is one). */
export function memoryValues(): Values {
  const total = totalmem()
  const meminfo = readText('/proc/meminfo')
  const available = meminfo ? Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1]) * 1024 : NaN
  const free = Number.isFinite(available) ? available : freemem()
  return {
    'memory.process_rss_mb': process.memoryUsage.rss() / MB,
    'memory.system_used_pct': (100 * (total - free)) / total,
  }
}

/** Space on the working directory's filesystem, and I/O of its block device since the start. */
export function diskCollector(dir: string): () => Values {
  const device = blockDeviceStat(dir)
  const first = device ? readSectors(device) : undefined
  return () => {
    const values: Values = {}
    try {
      const fs = statfsSync(dir)
      const size = fs.blocks * fs.bsize
      const used = (fs.blocks - fs.bfree) * fs.bsize
      if (size > 0) {
        values['disk.used_pct'] = (100 * used) / size
        values['disk.used_gb'] = used / 1024 ** 3
      }
    } catch {
      // statfs is missing on some platforms: no disk space figures there.
    }
    const now = device ? readSectors(device) : undefined
    if (first && now) {
      values['disk.read_mb'] = ((now.read - first.read) * 512) / MB
      values['disk.write_mb'] = ((now.written - first.written) * 512) / MB
    }
    return values
  }
}

/** `/sys/dev/block/MAJOR:MINOR/stat` of the device holding `dir` (Linux; absent for overlay and tmpfs). */
function blockDeviceStat(dir: string): string | undefined {
  try {
    const dev = statSync(dir).dev
    const major = Math.floor(dev / 256) & 0xfff
    const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)
    const path = `/sys/dev/block/${major}:${minor}/stat`
    return readText(path) === undefined ? undefined : path
  } catch {
    return undefined
  }
}

function readSectors(path: string): { read: number; written: number } | undefined {
  const fields = readText(path)?.trim().split(/\s+/).map(Number)
  if (!fields || fields.length < 7) return undefined
  return { read: fields[2]!, written: fields[6]! }
}

/** Bytes sent and received on every interface but loopback since the start (Linux). */
export function networkCollector(): () => Values {
  const first = networkTotals()
  return (): Values => {
    const now = networkTotals()
    if (!first || !now) return {}
    return {
      'network.sent_mb': (now.sent - first.sent) / MB,
      'network.recv_mb': (now.recv - first.recv) / MB,
    }
  }
}

function networkTotals(): { sent: number; recv: number } | undefined {
  const text = readText('/proc/net/dev')
  if (text === undefined) return undefined
  let sent = 0
  let recv = 0
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':')
    if (!rest || name!.trim() === 'lo') continue
    const f = rest.trim().split(/\s+/).map(Number)
    recv += f[0] ?? 0
    sent += f[8] ?? 0
  }
  return { sent, recv }
}

/** Open file descriptors of the process (Linux). */
export function fdValues(): Values {
  try {
    // The listing itself holds one descriptor open.
    return { 'proc.open_fds': readdirSync('/proc/self/fd').length - 1 }
  } catch {
    return {}
  }
}
