import { rmSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';

/** Where allure-playwright writes; ALLURE_RESULTS_DIR moves it (nested runs in the acceptance tests). */
export const ALLURE_RESULTS_DIR = process.env.ALLURE_RESULTS_DIR || 'allure-results';

/** Each run's Allure results are that run's alone: results of an earlier run would read as retries. */
export default function globalSetup(_config: FullConfig): void {
  rmSync(ALLURE_RESULTS_DIR, { recursive: true, force: true });
}
