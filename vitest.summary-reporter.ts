import type { Reporter, TestModule } from 'vitest/node'

/**
 * Ends every run with one plain line, `Tests: N passed, N failed, N skipped`, which CI and
 * people can read without knowing Vitest's own layout.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const mod of testModules) {
      const failedBefore = failed
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
      // A file that failed with no failing test failed elsewhere: at import, or in a hook such as
      // a beforeAll whose tests then count as skipped. It counts as one failure.
      if (mod.state() === 'failed' && failed === failedBefore) failed++
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
