import { defineConfig } from '@playwright/test';
import { DataFileError } from './lib/data-file.ts';
import { loadCatalogue } from './scenarios/load.ts';
import { loadRealm } from './server/realm.ts';
import { backendPreference, resolveBackend } from './tests/engines/backends.ts';
import { ENGINES } from './tests/engines/session.ts';
import type { WorkerFixtures } from './tests/fixtures.ts';

// Bad input stops the run here, before any browser starts: every problem as `file: field: message`.
try {
  loadCatalogue(loadRealm());
} catch (error) {
  if (!(error instanceof DataFileError)) throw error;
  console.error(`cors-conformance: the input is invalid, nothing was run:\n${error.message}`);
  process.exit(2);
}

const preference = backendPreference(process.env.ENGINE_BACKEND);

export default defineConfig<object, Pick<WorkerFixtures, 'backend'>>({
  testDir: './tests',
  testMatch: '*.spec.ts',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  reporter: [
    ['list'],
    ['allure-playwright', { resultsDir: 'allure-results', detail: false, suiteTitle: false }],
  ],
  projects: ENGINES.map((engine) => ({
    name: engine,
    use: { backend: resolveBackend(engine, preference) },
  })),
});
