import { defineConfig } from '@playwright/test';
import { InputError } from './lib/data-file.ts';
import { type BackendPreference, backendPreference, resolveBackend } from './tests/engines/backends.ts';
import { ENGINES } from './tests/engines/session.ts';
import type { WorkerFixtures } from './tests/fixtures.ts';
import { ALLURE_RESULTS_DIR } from './tests/global-setup.ts';
import { loadInputs } from './tests/harness/inputs.ts';

// Bad input stops the run here, before any browser starts: every problem as `file: field: message`.
let preference: BackendPreference = 'auto';
try {
  loadInputs();
  preference = backendPreference(process.env.ENGINE_BACKEND);
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(`cors-conformance: the input is invalid, nothing was run:\n${error.message}`);
  process.exit(2);
}

export default defineConfig<object, Pick<WorkerFixtures, 'backend'>>({
  testDir: './tests',
  testMatch: '*.spec.ts',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  globalSetup: './tests/global-setup.ts',
  reporter: [
    ['list'],
    ['allure-playwright', { resultsDir: ALLURE_RESULTS_DIR, detail: false, suiteTitle: false }],
  ],
  projects: ENGINES.map((engine) => ({
    name: engine,
    use: { backend: resolveBackend(engine, preference) },
  })),
});
