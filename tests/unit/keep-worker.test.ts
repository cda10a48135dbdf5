import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * src/run/keep-worker.ts at the pinned Playwright: a test failed by missed verdicts alone leaves its
 * worker to the next test, any other failure has it replaced, and the statuses and the exit code are
 * Playwright's own. Runs Playwright on tests/fixtures/keep-worker (no browser).
 */
interface Result {
  status: string;
  workerIndex: number;
  errors: unknown[];
}
interface Suite {
  title: string;
  specs?: Array<{ title: string; tests: Array<{ results: Result[] }> }>;
  suites?: Suite[];
}

describe('a missed verdict and the worker (src/run/keep-worker.ts)', () => {
  const report = join(mkdtempSync(join(tmpdir(), 'keep-worker-')), 'report.json');
  const run = spawnSync(
    'npx',
    ['playwright', 'test', '-c', 'tests/fixtures/keep-worker/playwright.config.ts'],
    { encoding: 'utf8', env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: report } },
  );
  const byDescribe = new Map<string, Map<string, Result>>();
  const walk = (suite: Suite) => {
    for (const spec of suite.specs ?? []) {
      const tests = byDescribe.get(suite.title) ?? new Map<string, Result>();
      tests.set(spec.title, spec.tests[0]?.results.at(-1) as Result);
      byDescribe.set(suite.title, tests);
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of (JSON.parse(readFileSync(report, 'utf8')) as { suites: Suite[] }).suites) walk(suite);
  const of = (describe: string) => {
    const tests = byDescribe.get(describe);
    const first = tests?.get('fails') ?? tests?.get('passes');
    const next = tests?.get('next');
    assert.ok(first && next, `${describe} ran both its tests`);
    return { first, next, sameWorker: first.workerIndex === next.workerIndex };
  };

  it('exits 1: the failures are failures', () => {
    assert.equal(run.status, 1, run.stderr);
  });

  for (const describe of [
    'a missed verdict',
    'a missed verdict and soft assertions',
    'soft assertions alone',
  ]) {
    it(`${describe}: the test fails and the next test runs in the same worker`, () => {
      const { first, next, sameWorker } = of(describe);
      assert.equal(first.status, 'failed');
      assert.ok(first.errors.length > 0);
      assert.equal(next.status, 'passed');
      assert.ok(sameWorker, `worker ${first.workerIndex} then ${next.workerIndex}`);
    });
  }

  it('a missed verdict and another error: the worker is replaced', () => {
    const { first, sameWorker } = of('another error after the verdicts');
    assert.equal(first.status, 'failed');
    assert.equal(first.errors.length, 2);
    assert.ok(!sameWorker);
  });

  it('an error that is not a verdict: the worker is replaced', () => {
    const { first, sameWorker } = of('an error that is not a verdict');
    assert.equal(first.status, 'failed');
    assert.ok(!sameWorker);
  });

  it('verdicts that hold: the test passes', () => {
    const { first, next, sameWorker } = of('verdicts that hold');
    assert.equal(first.status, 'passed');
    assert.equal(next.status, 'passed');
    assert.ok(sameWorker);
  });
});
