// An idle run (no log() calls, a heartbeat ten minutes away) that waits to be stopped.
import * as stemma from '@stemma/sdk'
import { API_KEY } from '../harness.js'

const [baseUrl, id, mode] = process.argv.slice(2)
const run = await stemma.init({
  project: 'bench-control',
  id,
  baseUrl,
  apiKey: API_KEY,
  dir: process.env.STEMMA_DIR,
  settings: { quiet: true, heartbeatIntervalMs: 600_000, heartbeatTimeoutS: mode === 'crash' ? 10 : 60 },
})
run.log({ x: 1 })
await new Promise((r) => setTimeout(r, 300))
process.stdout.write('ready\n')
if (mode === 'exit') process.exit(1)
setInterval(() => {}, 1000)
