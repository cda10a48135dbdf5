import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { backendPreference, resolveBackend, WEBKITGTK_HOST_PROBED } from './src/engines/backends.ts';
import { ENGINES } from './src/engines/session.ts';
import { InputError } from './src/input/data-file.ts';
import { type Inputs, loadInputs } from './src/input/inputs.ts';
import { environmentInfo } from './src/report/environment.ts';
import { ALLURE_RESULTS_DIR, REPORT_DIR } from './src/report/global-setup.ts';
import { batchSizeOf } from './src/run/run-ahead.ts';
import type { WorkerFixtures } from './tests/fixtures.ts';

// Bad input stops the run here, before any browser starts: every problem as `file: field: message`.
function validInputs(): { inputs: Inputs; preference: ReturnType<typeof backendPreference> } {
  try {
    batchSizeOf(process.env.CORS_CONFORMANCE_BATCH);
    return { inputs: loadInputs(), preference: backendPreference(process.env.ENGINE_BACKEND) };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    console.error(`cors-conformance: the input is invalid, nothing was run:\n${error.message}`);
    process.exit(2);
  }
}

// Workers load this file too; only the main process (where reporters run) needs the environment.
const isWorker = process.env.TEST_WORKER_INDEX !== undefined;
// The main process probes the machine; its workers inherit what it found instead of probing again.
if (!isWorker) delete process.env[WEBKITGTK_HOST_PROBED];
const { inputs, preference } = validInputs();
const backends = ENGINES.map((engine) => resolveBackend(engine, preference));
for (const backend of backends)
  if (!isWorker && backend.kind === 'webkitgtk-webdriver')
    process.env[WEBKITGTK_HOST_PROBED] = backend.consoleMessages ? 'yes' : 'no';

// This file runs as TypeScript in a clone and as JavaScript from the installed package (dist/):
// the files it names are its siblings in the same language.
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

export default defineConfig<object, Pick<WorkerFixtures, 'backend'>>({
  testDir: './tests',
  testMatch: `*.spec.${ext}`,
  // Results go where the run is started (the user's project when the package is installed).
  outputDir: resolve('test-results'),
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  // No retries: a verdict that changes between runs is a bug to find, not to retry. Harness failures
  // (a WebKitWebDriver that stops answering) are met where they happen: a page that fails is opened
  // anew and its scenarios run again, a session that fails to start is started again, each said on
  // stderr (src/run/run-ahead.ts, src/engines/webkitgtk-engine.ts). `--retries=N` still works, and the
  // run summary lists every test that passed only on a retry.
  retries: 0,
  globalSetup: `./src/report/global-setup.${ext}`,
  reporter: [
    ['list'],
    // A JSON report where one is asked for (the acceptance tests read it), next to the usual reporters.
    ...(process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['json'] as ['json']] : []),
    // A blob report where one is asked for: each CI shard writes one, `npm run nightly -- merge` merges them.
    ...(process.env.PLAYWRIGHT_BLOB_OUTPUT_DIR
      ? [['blob', { outputDir: process.env.PLAYWRIGHT_BLOB_OUTPUT_DIR }] as ['blob', { outputDir: string }]]
      : []),
    // Playwright's HTML report on request (cors-conformance run --html).
    ...(['1', 'true'].includes(process.env.CORS_HTML_REPORT ?? '')
      ? [['html', { open: 'never', outputFolder: resolve(REPORT_DIR, 'html') }] as ['html', object]]
      : []),
    ['junit', { outputFile: resolve(REPORT_DIR, 'junit.xml') }],
    [`./src/report/run-summary-reporter.${ext}`],
    [`./src/report/matrix-reporter.${ext}`],
    [
      'allure-playwright',
      {
        resultsDir: ALLURE_RESULTS_DIR,
        detail: false,
        suiteTitle: false,
        environmentInfo: isWorker ? {} : environmentInfo(inputs, backends),
      },
    ],
  ],
  projects: backends.map((backend) => ({ name: backend.engine, use: { backend } })),
});
