// Holds a process to a share of CPU time through a cgroup of its own (v2's cpu.max, or v1's CFS
// quota), as a container's CPU limit would. Needs root and a cgroup CPU controller; where either
// is missing, `limitCpu` returns null and the caller runs the process unlimited.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PERIOD_US = 100_000

function hierarchy() {
  const v2 = '/sys/fs/cgroup'
  try {
    if (readFileSync(join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      return {
        root: v2,
        prepare: () => writeFileSync(join(v2, 'cgroup.subtree_control'), '+cpu'),
        limit: (dir, quota) => writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`),
      }
    }
  } catch {
    // not a cgroup v2 root
  }
  const v1 = '/sys/fs/cgroup/cpu'
  if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
    return {
      root: v1,
      prepare: () => {},
      limit: (dir, quota) => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US))
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota))
      },
    }
  }
  return null
}

/** Limits `pid` to `cores` of CPU; returns a handle to lift the limit, or null if it cannot. */
export function limitCpu(pid, name, cores) {
  const h = hierarchy()
  if (!h) return null
  const dir = join(h.root, name)
  try {
    h.prepare()
    mkdirSync(dir, { recursive: true })
    h.limit(dir, Math.round(cores * PERIOD_US))
    writeFileSync(join(dir, 'cgroup.procs'), String(pid))
  } catch {
    return null
  }
  return {
    release() {
      try {
        writeFileSync(join(h.root, 'cgroup.procs'), String(pid))
      } catch {
        // the process has exited
      }
      try {
        rmdirSync(dir)
      } catch {
        // still in use; the next run reuses it
      }
    },
  }
}
