/**
 * Prints one plain closing line, "N passed, N failed" (", N skipped" when any), after jest's own
 * summary, so CI logs state the outcome in a form any log reader understands.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    process.stdout.write(`\n${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`);
  }
}

module.exports = SummaryLineReporter;
