import { execFileSync } from 'node:child_process'

// Tests that spawn the CLI or a training script run the compiled packages; building here once
// keeps `npx vitest run` self-sufficient. tsc -b is incremental, so this is quick when up to date.
export default function setup() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'packages/cli', 'packages/sdk'], {
    stdio: 'inherit',
  })
}
