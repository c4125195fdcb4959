// The detached finisher (see finisher.ts): `node finisher-main.js RUN_DIR`.
import { syncRunDir } from './sync.js'

const dir = process.argv[2]
if (dir !== undefined) {
  // A server that stays away for long is left to `stemma sync`: this process should not linger.
  await syncRunDir(dir, { retryInitialMs: 250, retryMaxMs: 5_000, deadlineMs: 30_000 }).catch(() => {})
}
