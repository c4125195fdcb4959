// One of the parallel training processes of the 32-run ingest figure.
import * as stemma from '@stemma/sdk'
import { API_KEY, scalarRows } from '../harness.js'

const [baseUrl, rowsArg, id] = process.argv.slice(2)
const rows = Number(rowsArg)
const run = await stemma.init({
  project: 'bench-parallel',
  id,
  baseUrl,
  apiKey: API_KEY,
  settings: { quiet: true },
})
const data = scalarRows()
process.send('ready')
await new Promise((resolve) => process.once('message', resolve))
for (let i = 0; i < rows; i++) {
  run.log(data[i % 1000])
  if (i % 5_000 === 4_999) await new Promise((r) => setImmediate(r))
}
await run.finish()
process.send('done')
process.disconnect()
