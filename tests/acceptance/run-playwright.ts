import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Arguments for a nested run whose failures are the point (a policy off by one value, a flawed realm,
 * a target that is down): under CI a failed test runs once more, which would only double their cost.
 */
export const FAILURES_EXPECTED = ['--retries=0'];

/** One test's last result in a nested run, as the JSON reporter tells it. */
export interface Outcome {
  project: string;
  title: string;
  /** The describes above the test, outermost first (endpoint, area). */
  describes: string[];
  status: string;
  message: string;
}

interface JsonSuite {
  title: string;
  file?: string;
  specs?: Array<{
    title: string;
    tests: Array<{
      projectName: string;
      results: Array<{ status: string; errors: Array<{ message?: string }> }>;
    }>;
  }>;
  suites?: JsonSuite[];
}

/**
 * Runs the user's command (`npx playwright test <spec> ...`, the catalogue's spec by default) with `env`, in a child
 * process (asynchronously: an endpoint under test may live in this one), results and Allure output kept
 * in `work`. Returns every test's outcome and the exit status.
 */
export async function runPlaywright(
  work: string,
  env: Record<string, string>,
  args: string[],
  spec = 'tests/conformance.spec.ts',
): Promise<Outcome[] & { exitStatus: number | null; output: string }> {
  const report = join(work, `report-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn('npx', ['playwright', 'test', spec, ...args], {
    env: {
      ...process.env,
      ...env,
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
      ALLURE_RESULTS_DIR: join(work, 'allure-results'),
      CORS_REPORT_DIR: join(work, 'cors-report'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  let errors = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
    errors += chunk;
  });
  // What the harness went through (a page opened anew, a WebKitGTK session started again) is said here
  // too: a failing acceptance test shows it beside the verdicts.
  child.on('close', () => {
    for (const line of errors.split('\n'))
      if (/^cors-conformance: .*(opened anew|failed to start)/.test(line))
        process.stderr.write(`  nested run: ${line}\n`);
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(status === 0 || status === 1, `playwright exited ${status}: ${output.slice(-2000)}`);
  const outcomes: Outcome[] = [];
  const walk = (suite: JsonSuite, describes: string[]) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        const last = test.results.at(-1);
        outcomes.push({
          project: test.projectName,
          title: spec.title,
          describes,
          status: last?.status ?? 'none',
          message: (last?.errors ?? []).map((e) => e.message ?? '').join('\n'),
        });
      }
    }
    // An untitled describe (a job of the plan, src/run/plan.ts) is no title, as in Playwright's titlePath.
    for (const child of suite.suites ?? [])
      walk(child, child.title ? [...describes, child.title] : describes);
  };
  // The top-level suites are the spec files; below them, the describes.
  for (const suite of (JSON.parse(readFileSync(report, 'utf8')) as { suites: JsonSuite[] }).suites)
    walk(suite, []);
  return Object.assign(outcomes, { exitStatus: status, output });
}
