// Prints the plain closing line CI reads, e.g. "12 passed, 0 failed" (", 1 skipped" when any),
// from an exit hook so that it comes after jest's own summary.
const { writeSync } = require('node:fs');
class SummaryReporter {
  onRunComplete(_contexts, r) {
    const skipped = r.numPendingTests + r.numTodoTests;
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    const line = `${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    process.once('exit', () => writeSync(2, line));
  }
}
module.exports = SummaryReporter;
