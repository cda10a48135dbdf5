import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { writeRunCa } from '../wire/recording-proxy.ts';

/** Where allure-playwright writes; ALLURE_RESULTS_DIR moves it (nested runs in the acceptance tests). */
export const ALLURE_RESULTS_DIR = process.env.ALLURE_RESULTS_DIR || 'allure-results';

/**
 * Before the run: each run's Allure results are that run's alone (results of an earlier run would read
 * as retries), and one CA for every worker's recording proxy (src/wire/recording-proxy.ts), removed
 * after the run.
 */
export default async function globalSetup(_config: FullConfig): Promise<() => void> {
  rmSync(ALLURE_RESULTS_DIR, { recursive: true, force: true });
  const dir = mkdtempSync(join(tmpdir(), 'cors-conformance-run-'));
  await writeRunCa(join(dir, 'proxy-ca.json'));
  return () => rmSync(dir, { recursive: true, force: true });
}
