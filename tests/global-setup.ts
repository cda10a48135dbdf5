import { rmSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';

export const ALLURE_RESULTS_DIR = 'allure-results';

/** Each run's Allure results are that run's alone: results of an earlier run would read as retries. */
export default function globalSetup(_config: FullConfig): void {
  rmSync(ALLURE_RESULTS_DIR, { recursive: true, force: true });
}
