/**
 * Vitest reporter that ends the output with one plain line, such as
 * "vitest: 81 passed, 0 failed, 0 skipped", for tools that read a runner's
 * closing line. It runs beside the default reporter.
 */
import type { Reporter, SerializedError, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const testModule of testModules) {
      // A file that fails to load has no tests but must still count as a failure.
      if (testModule.state() === "failed" && [...testModule.children.allTests()].length === 0) {
        failed += 1;
      }
      for (const testCase of testModule.children.allTests()) {
        const state = testCase.result().state;
        if (state === "passed") {
          passed += 1;
        } else if (state === "failed") {
          failed += 1;
        } else {
          skipped += 1;
        }
      }
    }
    console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
