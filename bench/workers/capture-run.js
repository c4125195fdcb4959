// A script printing `lines` lines a second for `seconds`, with capture on or off; it prints its
// own CPU time (user + system, µs) as its last line, on the real stdout.
import * as stemma from '@stemma/sdk'
import { API_KEY } from '../harness.js'

const [baseUrl, id, captureArg, linesArg, secondsArg] = process.argv.slice(2)
const capture = captureArg === 'on'
const run = await stemma.init({
  project: 'bench-capture',
  id,
  baseUrl,
  apiKey: API_KEY,
  dir: process.env.STEMMA_DIR,
  settings: { quiet: true, captureConsole: capture, captureSystem: capture },
})
const start = process.cpuUsage()
const perTick = Number(linesArg) / 100
const until = Date.now() + Number(secondsArg) * 1000
let n = 0
while (Date.now() < until) {
  for (let i = 0; i < perTick; i++) console.log(`step ${n++} loss=${Math.random().toFixed(6)} lr=0.001`)
  await new Promise((r) => setTimeout(r, 10))
}
const used = process.cpuUsage(start)
await run.finish()
process.stderr.write(`${JSON.stringify({ cpuUs: used.user + used.system, lines: n })}\n`)
