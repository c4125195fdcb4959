import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { arch, cpus, hostname, platform, release, totalmem, version } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const SDK_VERSION = '0.1.0'

function findGitDir(start: string): string | undefined {
  let dir = resolve(start)
  for (;;) {
    const candidate = join(dir, '.git')
    try {
      if (statSync(candidate).isDirectory()) return candidate
    } catch {
      // keep walking up
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** Commit and remote read straight from `.git` (no `git` process): cheap, and absent is fine. */
function gitInfo(cwd: string): Record<string, unknown> | undefined {
  try {
    const gitDir = findGitDir(cwd)
    if (gitDir === undefined) return undefined
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim()
    let commit: string | undefined = head
    let branch: string | undefined
    if (head.startsWith('ref: ')) {
      const ref = head.slice(5)
      branch = ref.replace(/^refs\/heads\//, '')
      try {
        commit = readFileSync(join(gitDir, ref), 'utf8').trim()
      } catch {
        const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8')
        commit = packed
          .split('\n')
          .find((line) => line.endsWith(` ${ref}`))
          ?.split(' ')[0]
      }
    }
    let remote: string | undefined
    try {
      const config = readFileSync(join(gitDir, 'config'), 'utf8')
      remote = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1]
    } catch {
      // no remote
    }
    const out: Record<string, unknown> = {}
    if (commit) out.commit = commit
    if (branch) out.branch = branch
    const dirty = isDirty(dirname(gitDir))
    if (dirty !== undefined) out.dirty = dirty
    if (remote) out.remote = remote.replace(/\/\/[^@/]*@/, '//')
    return out
  } catch {
    return undefined
  }
}

/** Uncommitted changes in the work tree, by `git status` (bounded: a huge repository answers late). */
function isDirty(workTree: string): boolean | undefined {
  try {
    const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: workTree,
      timeout: 2_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    return r.status === 0 ? r.stdout.trim() !== '' : undefined
  } catch {
    return undefined
  }
}

/** What the Overview tab shows about where a run ran. Never throws. */
export function collectMetadata(): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    host: hostname(),
    os: `${platform()}-${release()}-${arch()}`,
    osVersion: version(),
    runtime: `node ${process.version}`,
    executable: process.execPath,
    program: process.argv[1] ?? null,
    args: process.argv.slice(2),
    cwd: process.cwd(),
    sdk: `@stemma/sdk ${SDK_VERSION}`,
    cpuCount: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? null,
    startedAt: new Date().toISOString(),
    memoryBytes: totalmem(),
    pid: process.pid,
  }
  const git = gitInfo(process.cwd())
  if (git) meta.git = git
  return meta
}
