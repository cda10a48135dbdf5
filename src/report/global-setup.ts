import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { writeRunCa } from '../wire/proxy-ca.ts';

/** Where allure-playwright writes; ALLURE_RESULTS_DIR moves it (nested runs in the acceptance tests). */
export const ALLURE_RESULTS_DIR = process.env.ALLURE_RESULTS_DIR || 'allure-results';
/** Where the results matrix, the JUnit XML and Playwright's HTML report (on request) go: CORS_REPORT_DIR. */
export const REPORT_DIR = process.env.CORS_REPORT_DIR || 'cors-report';

/**
 * Before the run: each run's Allure results are that run's alone (results of an earlier run would read
 * as retries), and one CA for every worker's recording proxy (src/wire/proxy-ca.ts), removed after the
 * run. An earlier run's results are moved aside at once and removed while this run goes on: removing a
 * full run's (some 4,000 files) held up its start by 0.2 to 0.6 s.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const removed = removeEarlierResults(ALLURE_RESULTS_DIR);
  const dir = mkdtempSync(join(tmpdir(), 'cors-conformance-run-'));
  await writeRunCa(join(dir, 'proxy-ca.json'));
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    await removed;
  };
}

function removeEarlierResults(results: string): Promise<void> {
  if (!existsSync(results)) return Promise.resolve();
  const aside = mkdtempSync(join(dirname(results), '.allure-results-removed-'));
  renameSync(results, join(aside, 'results'));
  return rm(aside, { recursive: true, force: true });
}
