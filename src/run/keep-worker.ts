import type { TestInfo } from '@playwright/test';

/**
 * A verdict that misses its expectation fails its test and leaves the worker as it is.
 *
 * Playwright replaces its worker after every failed test (`workerMain`: the worker stops once
 * `testInfo._isFailure()`), so that the next test cannot meet what a failure left behind. A missed
 * verdict leaves nothing behind: the run it judges is complete (every fetch answered, its wire read
 * back, its page in the state it was in before) before the assertions start. Replacing the worker
 * would only relaunch the engine and refetch what was fetched ahead: on a target whose policy is off
 * by one value, most of the run's time.
 *
 * `assertVerdict` runs the assertions and, when the test ends failed with no other error than theirs,
 * tells the worker it need not stop. Any other error (a timeout, a page that failed, a hook or a
 * fixture that threw) stops it as before. The test's status, its errors and the exit code are
 * Playwright's own: only the worker's replacement is spared. `tests/unit/keep-worker.test.ts` runs
 * Playwright to check both ways at the pinned version.
 */
interface WorkerSide {
  /** TestInfoImpl's own: whether the test ended other than expected (Playwright 1.64.1). */
  _isFailure?: () => boolean;
}

export function assertVerdict(testInfo: TestInfo, assertions: () => void): void {
  const internal = testInfo as TestInfo & WorkerSide;
  const isFailure = internal._isFailure;
  if (typeof isFailure !== 'function') {
    // Another Playwright: assert as usual, and let it replace the worker.
    assertions();
    return;
  }
  const before = testInfo.errors.length;
  const ours = new Set<unknown>();
  let thrown: string | undefined;
  try {
    assertions();
  } catch (error) {
    // As Playwright records a thrown error: `${name}: ${message}`.
    const e = error as Error;
    thrown = `${e?.name ? `${e.name}: ` : ''}${e?.message ?? String(error)}`;
    throw error;
  } finally {
    // Soft assertions add their errors as they fail.
    for (const error of testInfo.errors.slice(before)) ours.add(error);
    const onlyVerdicts = () =>
      testInfo.status === 'failed' &&
      testInfo.errors.length > 0 &&
      testInfo.errors.every((e) => ours.has(e) || (thrown !== undefined && e.message === thrown));
    internal._isFailure = function (this: unknown) {
      return isFailure.call(testInfo) && !onlyVerdicts();
    };
  }
}
