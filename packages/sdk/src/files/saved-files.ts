import { copyFileSync, mkdirSync, rmSync, symlinkSync, watch, writeFileSync, type FSWatcher } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { assertFileName, StemmaError } from '@stemma/core'
import type { Warn } from '../settings.js'
import { expandGlob } from './glob.js'
import { gitDiff } from './git-diff.js'
import { codeFiles, type LogCodeOptions } from './log-code.js'
import { savedName } from './saved-names.js'
import { filesUnder, type FileUploader } from './file-uploader.js'

export type SavePolicy = 'live' | 'now' | 'end'
export const SAVE_POLICIES: readonly SavePolicy[] = ['live', 'now', 'end']

export interface SaveOptions {
  /** The directory whose structure below it is kept in the run (see seed 004). */
  basePath?: string
  /** `live` (default): uploaded now and again on each change; `now`: once, now; `end`: when the run ends. */
  policy?: SavePolicy
}

/** A change is uploaded once it has been quiet this long, so a file written in bursts goes once. */
export const LIVE_DEBOUNCE_MS = 1_000

/**
 * The run's files, kept in `<run dir>/files/<name>`: a copy for `now` (its content at save time),
 * a symbolic link for `live` and `end` (their content when uploaded). Whatever that directory holds
 * when the run ends is uploaded, which is also what `stemma sync` and the finisher deliver.
 */
export class SavedFiles {
  readonly dir: string
  private readonly watchers = new Map<string, FSWatcher>()
  /** Watched directory → basename → run file name. */
  private readonly live = new Map<string, Map<string, string>>()
  private readonly debounce = new Map<string, NodeJS.Timeout>()
  private closed = false

  constructor(
    runDir: string,
    /** Absent offline: files wait in the run directory for `stemma sync`. */
    private readonly uploader: FileUploader | undefined,
    private readonly warn: Warn,
  ) {
    this.dir = join(runDir, 'files')
  }

  get pending(): number {
    return this.uploader?.pending ?? 0
  }

  /** `run.save`: expands the glob now and returns the paths created in the run directory. */
  save(pattern: string, options: SaveOptions = {}): string[] {
    const policy = options.policy ?? 'live'
    if (!SAVE_POLICIES.includes(policy)) {
      throw new StemmaError('VALIDATION_FAILED', `policy must be one of ${SAVE_POLICIES.join(', ')}.`)
    }
    if (this.closed) return []
    const cwd = process.cwd()
    const matches = expandGlob(pattern, cwd)
    if (matches.length === 0) this.warn(`run.save(${JSON.stringify(pattern)}) matched no file.`)
    const placed: string[] = []
    for (const source of matches) {
      // Files inside the run directory are there already (e.g. a second save of the same glob).
      if (source.startsWith(this.dir + '/')) continue
      const name = savedName(source, pattern, cwd, options.basePath)
      const target = join(this.dir, ...name.split('/'))
      mkdirSync(dirname(target), { recursive: true })
      rmSync(target, { force: true })
      if (policy === 'now') copyFileSync(source, target)
      else linkOrCopy(source, target)
      placed.push(target)
      if (policy !== 'end') this.uploader?.queue(name, target)
      if (policy === 'live') this.watch(source, name)
    }
    return placed
  }

  /** `git diff HEAD` of a dirty work tree as `diff.patch`, uploaded now. */
  saveGitDiff(cwd: string): void {
    const diff = gitDiff(cwd)
    if (diff !== undefined) this.place('diff.patch', (target) => writeFileSync(target, diff))
  }

  /** `run.logCode`: copies the code files under `root` in as `code/…`, uploaded now. */
  logCode(root: string, options: LogCodeOptions): string[] {
    return codeFiles(root, options).map(({ path, rel }) => {
      this.place(`code/${rel}`, (target) => copyFileSync(path, target))
      return `code/${rel}`
    })
  }

  /** Writes run file `name` into the files directory with `write`, and queues its upload. */
  private place(name: string, write: (target: string) => void): void {
    assertFileName(name)
    const target = join(this.dir, ...name.split('/'))
    mkdirSync(dirname(target), { recursive: true })
    write(target)
    this.uploader?.queue(name, target)
  }

  /** Stops watching and queues everything in the run's files directory (unchanged files are skipped). */
  finish(): void {
    this.closeWatchers()
    if (this.uploader === undefined) return
    for (const { name, path } of filesUnder(this.dir)) this.uploader.queue(name, path)
  }

  /** Resolves true once every queued upload is done, false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    return this.uploader?.idle(timeoutMs) ?? Promise.resolve(true)
  }

  private watch(source: string, name: string): void {
    const dir = dirname(source)
    let names = this.live.get(dir)
    if (names === undefined) {
      names = new Map()
      this.live.set(dir, names)
      try {
        // The directory, not the file: editors and `torch.save` replace files by renaming.
        const watcher = watch(dir, { persistent: false }, (_event, changed) => this.changed(dir, changed))
        watcher.on('error', () => watcher.close())
        this.watchers.set(dir, watcher)
      } catch (err) {
        this.warn(
          `cannot watch ${dir} for changes; ${name} is uploaded at the end only (${(err as Error).message})`,
        )
      }
    }
    names.set(basename(source), name)
  }

  private changed(dir: string, file: string | Buffer | null): void {
    const names = this.live.get(dir)
    if (names === undefined || this.closed) return
    const targets =
      file === null ? [...names.values()] : [names.get(file.toString())].filter((n) => n !== undefined)
    for (const name of targets) {
      clearTimeout(this.debounce.get(name))
      const timer = setTimeout(() => {
        this.debounce.delete(name)
        this.uploader?.queue(name, join(this.dir, ...name.split('/')))
      }, LIVE_DEBOUNCE_MS)
      timer.unref()
      this.debounce.set(name, timer)
    }
  }

  private closeWatchers(): void {
    this.closed = true
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
    for (const timer of this.debounce.values()) clearTimeout(timer)
    this.debounce.clear()
  }
}

function linkOrCopy(source: string, target: string): void {
  try {
    symlinkSync(source, target)
  } catch {
    copyFileSync(source, target)
  }
}
